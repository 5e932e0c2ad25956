"use strict";
// The web page of genocr serve: pick a file, see its page, draw a box or pick a colour, read.
const $ = (id) => document.getElementById(id);
const state = { file: null, natural: null, drag: null };
const boxInputs = ["x1", "y1", "x2", "y2"].map($);

function status(text, error = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", error);
}

function box() {
  const v = boxInputs.map((i) => i.value.trim());
  return v.every((x) => x !== "") ? v.map(Number) : null;
}

function prompt() {
  // GOT's query text, as genocr builds it (the box on GOT's 0-1000 scale of the page)
  const base = document.querySelector("input[name=task]:checked").value === "format" ? "OCR with format" : "OCR";
  const color = $("color").value, b = box();
  if (color) return `[${color}] ${base}: `;
  if (b && state.natural) {
    const [w, h] = state.natural;
    return `[${Math.trunc(b[0] / w * 1000)}, ${Math.trunc(b[1] / h * 1000)}, ${Math.trunc(b[2] / w * 1000)}, ${Math.trunc(b[3] / h * 1000)}] ${base}: `;
  }
  return `${base}: `;
}

function drawBox() {
  const b = box(), el = $("box"), img = $("page-image");
  $("prompt").textContent = prompt();
  if (!b || !state.natural) { el.hidden = true; return; }
  const scale = img.clientWidth / state.natural[0];
  Object.assign(el.style, { left: `${b[0] * scale}px`, top: `${b[1] * scale}px`,
    width: `${(b[2] - b[0]) * scale}px`, height: `${(b[3] - b[1]) * scale}px` });
  el.hidden = false;
}

async function showPage() {
  const img = $("page-image");
  if (state.file.type === "application/pdf" || state.file.name.toLowerCase().endsWith(".pdf")) {
    const form = new FormData();
    form.append("file", state.file);
    form.append("page", $("page").value);
    form.append("dpi", "150");
    const response = await fetch("/v1/render", { method: "POST", body: form });
    if (!response.ok) throw new Error((await response.json()).error);
    img.src = URL.createObjectURL(await response.blob());
  } else {
    img.src = URL.createObjectURL(state.file);
  }
  await img.decode();
  state.natural = [img.naturalWidth, img.naturalHeight];
  drawBox();
}

async function choose(file) {
  state.file = file;
  $("drop-text").textContent = file.name;
  document.querySelectorAll(".buttons button").forEach((b) => (b.disabled = false));
  try { await showPage(); status(""); } catch (e) { status(e.message, true); }
}

function toPage(event) {
  const img = $("page-image"), r = img.getBoundingClientRect();
  const scale = state.natural[0] / r.width;
  return [Math.round((event.clientX - r.left) * scale), Math.round((event.clientY - r.top) * scale)];
}

$("stage").addEventListener("pointerdown", (e) => {
  if (!state.natural) return;
  e.preventDefault();  // no native image drag: it would cancel the pointer's moves
  state.drag = toPage(e);
  $("stage").setPointerCapture(e.pointerId);
});
$("stage").addEventListener("pointermove", (e) => {
  if (!state.drag) return;
  const [x, y] = toPage(e), [a, b] = state.drag;
  [Math.min(a, x), Math.min(b, y), Math.max(a, x), Math.max(b, y)].forEach((v, i) => (boxInputs[i].value = Math.max(0, v)));
  drawBox();
});
$("stage").addEventListener("pointerup", () => (state.drag = null));
boxInputs.forEach((i) => i.addEventListener("input", drawBox));
$("color").addEventListener("change", drawBox);
document.querySelectorAll("input[name=task]").forEach((i) => i.addEventListener("change", drawBox));
$("clear-box").addEventListener("click", () => { boxInputs.forEach((i) => (i.value = "")); drawBox(); });
$("page").addEventListener("change", () => state.file && showPage().catch((e) => status(e.message, true)));
$("file").addEventListener("change", (e) => e.target.files[0] && choose(e.target.files[0]));
const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); e.dataTransfer.files[0] && choose(e.dataTransfer.files[0]); });
drop.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); $("file").click(); } });

async function post(path, fields) {
  const form = new FormData();
  form.append("file", state.file);
  for (const [k, v] of Object.entries(fields)) if (v !== null && v !== "") form.append(k, v);
  const response = await fetch(path, { method: "POST", body: form });
  if (!response.ok) {
    let message = `${response.status}`;
    try { message = (await response.json()).error; } catch (_) { /* not JSON */ }
    throw new Error(message);
  }
  return response;
}

$("read").addEventListener("click", async () => {
  const b = box();
  status("Reading…");
  const started = performance.now();
  try {
    const response = await post("/v1/read", {
      task: document.querySelector("input[name=task]:checked").value, box: b ? b.join(",") : null,
      color: $("color").value || null, pages: $("page").value, html: "true", dpi: "150" });
    const result = await response.json();
    $("prompt").textContent = result.prompt;
    $("text").textContent = result.pages.map((p) => p.text).join("\n\n");
    $("rendered").srcdoc = result.html;
    const flagged = result.pages.flatMap((p) => p.blocks).filter((x) => x.valid === false);
    status(`Read in ${((performance.now() - started) / 1000).toFixed(1)} s` +
      (flagged.length ? ` — ${flagged.length} block(s) failed their check: ${flagged[0].reason}` : ""));
  } catch (e) { status(e.message, true); }
});

for (const task of ["erase", "segment", "tamper"]) {
  $(task).addEventListener("click", async () => {
    status(`Running ${task}…`);
    try {
      const response = await post(`/v1/${task}`, {});
      $("overlay").src = URL.createObjectURL(await response.blob());
      $("overlay").hidden = false;
      status(`${task}: done`);
    } catch (e) { status(e.message, true); }
  });
}
$("prompt").textContent = prompt();
