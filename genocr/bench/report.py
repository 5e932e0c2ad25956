"""A run as a markdown report and a PNG plot (accuracy against seconds per page)."""
from __future__ import annotations

import io
import math
import statistics
from datetime import date
from typing import TYPE_CHECKING

from genocr.bench.scoring import METRICS

if TYPE_CHECKING:
    from genocr.bench.runner import Report, Result


def fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def speed(seconds: list[float]) -> tuple[float, float]:
    """(median seconds per page, pages per second over all pages)."""
    if not seconds:
        return math.nan, math.nan
    return statistics.median(seconds), len(seconds) / sum(seconds) if sum(seconds) else math.nan


def _summary(rep: Report) -> str:
    names = list(dict.fromkeys(r.dataset for r in rep.results))
    metric = {r.dataset: METRICS[r.metric] for r in rep.results}
    header = ["system", "version", *(f"{n} {metric[n].label()}" for n in names),
              "s/page", "pages/s", "peak RSS MiB", "load s"]  # fmt: skip
    rows = []
    for info in rep.systems:
        mine = {r.dataset: r for r in rep.results if r.system == info.name}
        acc = [fmt(mine[n].median(metric[n].primary)) if n in mine else "–" for n in names]
        s_page, pages_s = speed([s for r in mine.values() for s in r.seconds])
        rows.append([info.name, info.version, *acc, fmt(s_page), fmt(pages_s, 2),
                     fmt(info.peak_rss_mb, 0), fmt(info.load_s, 1)])  # fmt: skip
    return table(header, rows)


def _dataset(results: list[Result]) -> str:
    first = results[0]
    columns = list(dict.fromkeys(k for r in results for i in r.items for k in i.scores))
    tokens = any("tok_s" in i.extras for r in results for i in r.items)
    header = ["system", "n", *columns, "s/page", "pages/s", *(["tok/s", "TTFT s"] if tokens else [])]
    rows = []
    for r in results:
        s_page, pages_s = speed(r.seconds)
        extra = [fmt(r.median("tok_s"), 1), fmt(r.median("ttft"))] if tokens else []
        scores = [fmt(r.median(c)) for c in columns]
        rows.append([r.system, str(len(r.items)), *scores, fmt(s_page), fmt(pages_s, 2), *extra])
    versus = head_to_head(results) if len(results) > 1 else ""
    return f"### {first.dataset} ({first.metric})\n\n" + table(header, rows) + (f"\n\n{versus}" if versus else "")


def head_to_head(results: list[Result]) -> str:
    """The first system against each other one, item by item: on how many items it scores
    better and worse, and the median of its per-item time over theirs (items timed side by side)."""
    first, metric = results[0], METRICS[results[0].metric]
    mine = {i.id: i for i in first.items}
    rows = []
    for other in results[1:]:
        pairs = [(mine[i.id], i) for i in other.items if i.id in mine]
        if not pairs:
            continue
        key, sign = metric.primary, (1 if metric.higher_is_better else -1)
        better = sum(sign * (a.scores[key] - b.scores[key]) > 1e-9 for a, b in pairs)
        worse = sum(sign * (a.scores[key] - b.scores[key]) < -1e-9 for a, b in pairs)
        ratios = [a.seconds / b.seconds for a, b in pairs if b.seconds > 0]
        rows.append([other.system, str(len(pairs)), f"{better} ({better / len(pairs):.0%})", str(worse),
                     fmt(statistics.median(ratios), 2) if ratios else "–"])
    if not rows:
        return ""
    return (f"{first.system} against each system, item by item ({metric.primary}):\n\n"
            + table(["against", "items", f"{first.system} better", "worse", "time ratio (median per item)"], rows))


def _data(rep: Report) -> str:
    rows = [[kind, str(m["n"]), "make_batch" if m["batched"] else "make", fmt(m["samples_s"], 2),
             fmt(m["seconds"] / m["n"]), fmt(m["peak_rss_mb"], 0)] for kind, m in rep.kinds.items()]  # fmt: skip
    return table(["kind", "n", "generator", "samples/s", "s/sample", "peak RSS MiB"], rows)


def markdown(rep: Report) -> str:
    s = rep.settings
    head = [f"# genocr bench: {rep.suite}", "",
            f"{date.today().isoformat()}, {s['cpus']} CPUs (load average {s['load']:.1f} at start; other programs "
            f"used {s.get('other_cores', float('nan')):.2f} cores during the run), "
            f"device {s['device']}, repeats {s['repeats']}, limit {s['limit'] or 'none'}, "
            f"data `{s['data']}`, {s['synthetic']} items per synthetic split."]  # fmt: skip
    if rep.suite == "data":
        head.append("Data-engine speed on one core (CPU affinity pinned, BLAS/OpenMP threads 1), median over repeats.")
        body = [_data(rep)]
    else:
        head.append("Accuracy: median over items (exact/acc: share of items). "
                    "Speed: median seconds per page (page = one image, median over repeats, "
                    "after one warm-up read) and pages/s over all pages; systems are loaded side by side "
                    "and take turns item by item, each alone while it is timed. "
                    "Peak RSS: each system's own worker process (its memory's high-water mark), or its largest child process where larger.")  # fmt: skip
        datasets = list(dict.fromkeys(r.dataset for r in rep.results))
        body = ["## Summary", "", _summary(rep), "", "## Per dataset"]
        body += ["\n" + _dataset([r for r in rep.results if r.dataset == d]) for d in datasets]
    notes = ["", "## Notes", "", *(f"- {n}" for n in rep.notes)] if rep.notes else []
    return "\n".join(head + [""] + body + notes) + "\n"


def plot(rep: Report) -> bytes:
    """PNG: per dataset, each system's primary score against its median seconds per page."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

    if rep.suite == "data":
        fig = Figure(figsize=(6, 0.4 * len(rep.kinds) + 1.2))
        ax = fig.add_subplot()
        ax.barh(list(rep.kinds), [m["samples_s"] for m in rep.kinds.values()])
        ax.set(xlabel="samples/s (one core)", title="genocr data engine")
    else:
        names = list(dict.fromkeys(r.dataset for r in rep.results)) or ["(no results)"]
        cols = min(3, len(names))
        fig = Figure(figsize=(4.2 * cols, 3.4 * math.ceil(len(names) / cols)))
        for k, name in enumerate(names, 1):
            ax = fig.add_subplot(math.ceil(len(names) / cols), cols, k)
            top = 1.0
            for r in (r for r in rep.results if r.dataset == name):
                metric = METRICS[r.metric]
                x, y = speed(r.seconds)[0], r.median(metric.primary)
                ax.scatter([x], [y])
                ax.annotate(r.system, (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points")
                ax.set(ylabel=metric.label(), xscale="log")
                top = max(top, y * 1.05) if not math.isnan(y) else top
            ax.set(title=name, xlabel="s/page (log)", ylim=(0, top))  # CER can exceed 1
            ax.xaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
            ax.xaxis.set_major_formatter(FormatStrFormatter("%g"))
            ax.xaxis.set_minor_formatter(NullFormatter())
        fig.suptitle(f"genocr bench: {rep.suite}")
    fig.tight_layout()
    buf = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buf)
    return buf.getvalue()
