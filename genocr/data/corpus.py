"""Text to render, drawn only from what installed packages ship (sources and licences: SOURCES.md).

English: Python's own documentation prose (``pydoc_data``), Faker sentences and records in
several Latin-script locales, and the ``wamerican`` word list. Chinese: word frequencies from
jieba's dictionary and Faker's zh_CN/zh_TW providers. Every choice comes from the caller's
``rng`` (Faker is re-seeded from it) so text is reproducible.
"""
from __future__ import annotations

import os
import re
import string
from functools import cache
from typing import Callable

import numpy as np
from faker import Faker

from .fonts import cjk_faces

LATIN_LOCALES = ("en_US", "en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL")
ZH_LOCALES = ("zh_CN", "zh_CN", "zh_TW")
# Faker providers that do not depend on today's date (``date()`` does), so output is reproducible.
FIELDS = ("name", "address", "company", "job", "phone_number", "email", "url", "city",
          "street_address", "country", "postcode", "ean13", "license_plate")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
WORDS_FILE = "/usr/share/dict/words"
ZH_END = "。。。！？；"
CJK = re.compile(r"[\u3400-\u9fff]+")


def language(rng: np.random.Generator, zh: float = 0.35) -> str:
    """"zh" with probability ``zh`` (when a CJK font is installed), else "en"."""
    return "zh" if rng.random() < zh and cjk_faces() else "en"


def choice(rng: np.random.Generator, seq):
    return seq[int(rng.integers(len(seq)))]


@cache
def _faker(locale: str) -> Faker:
    return Faker(locale)


def faker(rng: np.random.Generator, locale: str) -> Faker:
    """The Faker of ``locale``, re-seeded from ``rng`` so its output is reproducible."""
    fake = _faker(locale)
    fake.seed_instance(int(rng.integers(2**31)))
    return fake


@cache
def english_words() -> tuple[str, ...]:
    if os.path.exists(WORDS_FILE):
        with open(WORDS_FILE, encoding="utf-8") as f:
            words = tuple(w for w in f.read().split() if re.fullmatch(r"[a-z]{2,14}", w))
        if words:
            return words
    from faker.providers.lorem.en_US import Provider

    return tuple(Provider.word_list)


@cache
def english_sentences() -> tuple[str, ...]:
    """Plain prose sentences from the Python reference text that ships with every CPython, and
    the technical prose of the books in ``corpora/prose_en.txt.gz`` (``genocr.data.prose``)."""
    from pydoc_data.topics import topics

    from . import prose

    text = re.sub(r"\s+", " ", " ".join(topics[k] for k in sorted(topics)))
    sentences = re.split(r"(?<=[.!?])\s+", text)
    reference = tuple(s for s in sentences if 20 < len(s) < 220
                      and re.fullmatch(r"[A-Z][A-Za-z0-9 ,;:()'\"\-]+[.!?]", s))
    return reference + prose.load()


@cache
def chinese_vocab() -> tuple[tuple[str, ...], np.ndarray]:
    """Chinese words from jieba's dictionary and the cumulative frequency^0.7 to sample them."""
    import jieba

    path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    words, freqs = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            word, freq, tag = line.split()
            if int(freq) >= 30 and tag != "zg" and CJK.fullmatch(word) and _common(word):
                words.append(word)
                freqs.append(int(freq))
    cdf = np.cumsum(np.asarray(freqs, dtype=np.float64) ** 0.7)
    return tuple(words), cdf / cdf[-1]


def _common(word: str) -> bool:
    """In GB2312, the 6,763 common simplified characters (jieba's list has some mojibake)."""
    try:
        word.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def chinese_words(rng: np.random.Generator, n: int) -> list[str]:
    words, cdf = chinese_vocab()
    return [words[i] for i in np.searchsorted(cdf, rng.random(n))]


def _chinese_sentence(rng: np.random.Generator) -> str:
    out = []
    for i, word in enumerate(chinese_words(rng, int(rng.integers(4, 16)))):
        r = rng.random()
        if r < 0.04:
            word = f"{rng.integers(1, 2030)}{choice(rng, '年月日个元%')}"
        elif r < 0.06:
            word = choice(rng, english_words()).upper()[: int(rng.integers(2, 6))]
        out.append(word)
        if i and rng.random() < 0.15:
            out.append(choice(rng, "，，，、"))
    return "".join(out).rstrip("，、") + choice(rng, ZH_END)


def sentence(rng: np.random.Generator, lang: str, bulleted: float | None = None) -> str:
    """One sentence of prose (or prose-like word salad) in ``lang`` ("en" or "zh"); English
    ones carry document tokens and typographic punctuation at the rates below, and are list
    items at rate ``bulleted`` (default BULLETED)."""
    r = rng.random()
    if lang == "zh":
        if r < 0.75:
            return _chinese_sentence(rng)
        return faker(rng, choice(rng, ZH_LOCALES)).sentence().rstrip(".") + "。"
    if r < REAL:
        text = choice(rng, english_sentences())
    elif r < REAL + 0.35:
        text = faker(rng, choice(rng, LATIN_LOCALES)).sentence(nb_words=int(rng.integers(4, 16)))
    else:
        words = [choice(rng, english_words()) for _ in range(int(rng.integers(3, 12)))]
        text = " ".join(words).capitalize() + choice(rng, "..!?;:")
    if rng.random() < DOC_TOKENS:
        words = text.split(" ")
        for _ in range(int(rng.integers(1, 3))):
            words.insert(int(rng.integers(1, len(words) + 1)), document_token(rng))
        text = " ".join(words)
    text = typeset(rng, text) if rng.random() < TYPESET else text
    return f"{choice(rng, BULLETS)} {text}" if rng.random() < (BULLETED if bulleted is None else bulleted) else text


# Share of English sentences that are real prose (the rest: Faker's word salad, 0.35, and rare
# words strung together). 0.4 until engine v8, which added the technical prose of
# corpora/prose_en.txt.gz to the Python reference's thousand sentences.
REAL = 0.55
# Real pages are full of what prose lacks, and run 4 misread it: digits beside letters ("Form
# 1O4O" for 1040, "Pub. S19"), numbers joined by en dashes, section signs, inline equations and
# key=value settings ("lang-en"), web addresses; run 6 misread dollar amounts ("$85" as "l 8O"),
# the dotted leaders of cost tables (as dashes) and the doubled quotes regulations set terms in
# (‘‘RC’’, dropped). Shares of English sentences that get 1-2 such tokens (0.3 until v2 run 6,
# which added the symbol tokens below), or get typeset with curly quotes and en/em dashes as
# publishing software sets them.
DOC_TOKENS = 0.4
TYPESET = 0.3
# List items: run 5 read the bullets of Federal Register and IRS pages as "▪", U+202A or U+FFFD.
BULLETED = 0.06
BULLETS = "••••▪◦●–"
# Share of document tokens that are symbol tokens. Python's reference text, technical prose,
# has per 10,000 characters 28 "|", 86 "*", 11 "[", 67 "=" and 10 "0" (more than "1" in
# documents); the line data run 5 trains on had 1.3, 1.6, 2.3, 4.9 and 8.8 (with "1" at 15.9),
# and "&", "@" and "`" under 0.5. The reader misread what it rarely saw: "|" as l, 1, I or ],
# "&" as 6 or 8, "*roff" as “roff, "0x" as Ox.
SYMBOLS = 0.4


def _drawers(rng: np.random.Generator, longest: int = 8) -> tuple[Callable[[int, int], int], Callable[[], str]]:
    """``n(lo, hi)``, an integer in [lo, hi), and ``word()``, the first 2 to ``longest`` letters
    of an English word: what the token makers below build from."""
    def n(lo: int, hi: int) -> int:
        return int(rng.integers(lo, hi))

    return n, lambda: choice(rng, english_words())[: n(2, longest + 1)]


def document_token(rng: np.random.Generator) -> str:
    """One token of the kind forms, regulations and papers put inside sentences; at rate
    SYMBOLS, one of :func:`symbol_token`."""
    if rng.random() < SYMBOLS:
        return symbol_token(rng)

    n, word = _drawers(rng)
    dash = choice(rng, "–-")
    kinds = (
        lambda: f"{choice(rng, ('Form', 'Pub.', 'Schedule', 'Part', 'No.', 'Rule'))} {n(1, 9999)}"
                f"{choice(rng, ('', '', 'NR', '-EZ', 'A', '(b)', 'X'))}",
        lambda: f"{n(1, 999)}{dash}{n(0, 99):02d}{dash}{n(1, 9999)}",
        lambda: f"{choice(rng, ('AD', 'FAA', 'ID', 'EU', 'ISO', 'RFC'))} {n(1900, 2040)}{dash}{n(1, 9999)}",
        lambda: f"§ {n(1, 999)}.{n(1, 99)}" + choice(rng, ("", f"({choice(rng, 'abcdef')})")),
        lambda: f"({choice(rng, 'abcdefghijk')})" if rng.random() < 0.5 else f"({n(1, 20)})",
        lambda: str(n(1800, 2040)),
        lambda: f"{n(0, 100)}{choice(rng, ('%', ' %', 'pt', 'mm', ' kg', ' USD'))}",
        lambda: f"{word()}={word()}",
        lambda: f"{choice(rng, 'abcnxyk')} {choice(rng, '=+−<>×/')} {n(0, 100)}{choice(rng, ('', 'b', 'x', 'n'))}",
        lambda: f"({n(1, 9)}{choice(rng, 'abxy')} + {n(1, 9)}{choice(rng, 'abxy')})",
        lambda: "\\" + word() + "{" + word() + "}",
        lambda: f"www.{word()}.{choice(rng, ('gov', 'com', 'org', 'edu'))}",
        lambda: f"https://{word()}.{choice(rng, ('gov', 'com', 'org'))}/{word()}/{word()}",
        lambda: f"{word()}/{word()}",
        lambda: f"{word().upper()}{n(0, 100) if rng.random() < 0.5 else ''}",
        lambda: f"({word().upper()[: n(2, 6)]})",
        lambda: choice(rng, (f"${n(1, 999)}", f"${n(1, 999)},{n(0, 1000):03d}", f"${n(1, 9999)}.{n(0, 100):02d}")),
        lambda: "." * n(3, 40),
        lambda: choice(rng, ("‘‘{}’’", "“{}”", "‘{}’")).format(word().upper() if rng.random() < 0.5 else word()),
        lambda: choice(rng, (f"© {n(1950, 2040)}", f"{n(-40, 400)} °{choice(rng, 'CF')}", f"±{n(0, 50)}.{n(0, 10)}",
                             f"{n(1, 20)}{choice(rng, '½¼¾')}", f"{n(2, 64)} × {n(2, 64)}", f"¶ {n(1, 40)}",
                             f"{word().capitalize()}{choice(rng, '™®')}", f"{n(1, 999)} µm", f"{n(0, 90)}°")),
        lambda: choice(rng, ("“{}”", "‘{}’", "“{} ”", "({})")).format(choice(rng, ":;,.-/*+=|") * n(1, 3)),
        # what manuals put in prose: identifiers, dot files, headers, options, page references
        lambda: choice(rng, ("", "", "$", "%")) + "_".join(
            (str.upper if rng.random() < 0.5 else str.lower)(word()) for _ in range(n(2, 4))),
        lambda: choice(rng, (".", "~/.", "$HOME/.", "/etc/", "./")) + word() + choice(rng, ("", "", ".conf", ".d", "rc", ".mgc")),
        lambda: f"<{word()}{choice(rng, ('', '/', '.'))}{word()}.h>",
        lambda: f"{word()}({choice(rng, '1234578')})",
        lambda: choice(rng, (f"[-{choice(rng, string.ascii_letters)} {word()}]", f"--{word()}-{word()}",
                             f"[--{word()}={word().upper()}]", f"-{choice(rng, string.ascii_letters)}", f"[{word()} ...]")),
        # and the notation manuals set in the text face, which v2 run 3 misread on manual pages:
        # `*roff` as “roff, `|` as l or j, `C++` as C**, `0x` as Ox
        lambda: choice(rng, (f"*{word()}", f"*.{word()[:3]}", f"{word()}*", "C++", f"{word().capitalize()}++",
                             f"0x{n(0, 1 << 16):0{choice(rng, (2, 4, 8))}x}", f"0x{n(0, 1 << 16):X}",
                             "[" + "|".join(word() if rng.random() < 0.5 else str(n(0, 17)) for _ in range(n(2, 6))) + "]",
                             f"{word()}|{word()}", f"{{{word()}}}", f"[={word()}]", f"$({word().upper()})/{word()}",
                             "#!", "&&", "||", f"{word()}#{n(1, 99)}")),
    )
    return kinds[n(0, len(kinds))]()


def symbol_token(rng: np.random.Generator) -> str:
    """A token built around the symbols technical text uses and prose lacks (pipes, ampersands,
    at signs, asterisks, backquotes, tildes, carets, hashes, brackets) or a round number, whose
    zeros prose lacks too."""
    n, stem = _drawers(rng)

    def word() -> str:
        w = stem()
        return choice(rng, (w, w, w.capitalize(), w.upper()))

    kinds = (
        lambda: choice(rng, (" | ", "|")).join(word() for _ in range(n(2, 5))),
        lambda: f"{word()} {choice(rng, ('', '-' + choice(rng, string.ascii_letters) + ' '))}| {word()} {word()}",
        lambda: f"|{word()}|" if rng.random() < 0.5 else f"|{choice(rng, 'xyzabn')}{choice(rng, ('', ' - y', '|'))}|",
        lambda: choice(rng, ("AT&T", "R&D", "Q&A", "P&L", "M&A", "B&B", f"{word()[0].upper()}&{word()[0].upper()}",
                             f"{word()} & {word()}", f"{word()}&{word()}", f"&{word().lower()};", "&&", "&")),
        lambda: choice(rng, (f"{word().lower()}@{word().lower()}.{choice(rng, ('org', 'com', 'net', 'edu', 'io'))}",
                             f"@{word()}", f"@{word().lower()}_{word().lower()}", f"{n(1, 99)} @ ${n(1, 99)}")),
        lambda: choice(rng, (f"{word()}*", f"*{word()}*", f"**{word()}**", "*" * n(1, 4), f"{n(1, 99)} * {n(1, 99)}",
                             f"{word()}{'*' * n(1, 3)}", f"char *{word().lower()}", f"*.{word()[:3].lower()}",
                             f"{word()}(*{word().lower()})")),
        lambda: choice(rng, (f"`{word()}`", f"`{word()}'", f"``{word()}''", f"`{word()} {word()}`")),
        lambda: choice(rng, (f"~{word().lower()}", f"~/{word().lower()}", f"{word()}~{n(1, 9)}", f"~{n(1, 999)}",
                             f"{choice(rng, 'xyzn')}^{n(2, 10)}", f"^{word()}", f"{word()}^{word()}")),
        lambda: choice(rng, (f"#{n(1, 9999)}", f"#{word().lower()}", "#include", "C#", "F#", f"#{n(0, 1 << 24):06x}",
                             f"No. #{n(1, 99)}", f"{word()}#{word()}")),
        lambda: choice(rng, (f"[{n(0, 100)}]", f"[{n(1, 30)}, {n(1, 30)}]", f"[{word()}]", f"{word()}[{n(0, 16)}]",
                             f"[{n(0, 10)}–{n(10, 99)}]", f"{{{word()}, {word()}}}", f"<{word()}>", f"{word()} = {n(0, 100)}")),
        lambda: choice(rng, (f"{n(1, 100) * 10 ** n(1, 4):,}", f"{n(1, 100) * 10 ** n(1, 5)}", f"{n(0, 10)}.0{n(0, 10)}",
                             f"20{n(0, 30):02d}", f"{n(1, 10)}00", f"0.{n(0, 100):02d}", f"{n(0, 24):02d}:{n(0, 6)}0",
                             f"0{n(0, 10)}/{n(1, 10)}0", f"{n(1, 100)}.00", f"v{n(0, 10)}.{n(0, 10)}.0")),
    )
    return kinds[n(0, len(kinds))]()


@cache
def code_lines() -> tuple[str, ...]:
    """Lines of code and grammar from Python's reference text: prompts, calls, assignments."""
    from pydoc_data.topics import topics

    code = re.compile(r"^(>>>|\.\.\.|\$ )|::=|^\s*(def|class|for|if|elif|return|import|from|while|with|try|"
                      r"except|raise|print|lambda|assert|yield|async|await)\b|\w\(.*\)|\w\[.*\]|\w = ")
    out = []
    for key in sorted(topics):
        for line in topics[key].splitlines():
            line = line.strip()
            if 4 <= len(line) <= 90 and code.search(line) and line.isascii():
                out.append(line)
    return tuple(dict.fromkeys(out))


def code_line(rng: np.random.Generator) -> str:
    """One line as manuals set it in a typewriter face: code, a TeX macro call, a shell
    command, a file path or an option list."""
    _, word = _drawers(rng, longest=9)

    r = rng.random()
    if r < 0.4:
        return choice(rng, code_lines())
    if r < 0.7:  # \macro*[option]{argument}: the markup of TeX manuals
        parts = ["\\" + word() + choice(rng, ("", "", "*", word()))]
        for _ in range(int(rng.integers(0, 3))):
            inner = ",".join(word() for _ in range(int(rng.integers(1, 3))))
            parts.append(choice(rng, ("[{}]", "{{{}}}", "{{\\{}}}", "({})", "<{}>")).format(inner))
        text = "".join(parts)
        return text if rng.random() < 0.6 else f"{text} % {word()} {word()}"
    if r < 0.85:
        opts = " ".join(choice(rng, (f"--{word()}", f"-{word()[0]}", f"--{word()}={word()}", word(), f"{word()}.{choice(rng, ('tex', 'py', 'txt', 'pdf', 'sty', 'cfg'))}"))
                        for _ in range(int(rng.integers(1, 5))))
        return f"{choice(rng, ('$ ', '% ', '> ', ''))}{word()} {opts}"
    return choice(rng, ("/usr/share/", "~/", "./", "C:\\", "texmf/tex/latex/")) + "/".join(word() for _ in range(int(rng.integers(1, 4))))


def typeset(rng: np.random.Generator, text: str) -> str:
    """``text`` with the punctuation of typeset documents: curly quotes, en dashes between
    numbers, em or spaced en dashes between words, and ’ for apostrophes."""
    text = re.sub(r"(?<=\d)-(?=\d)", "–", text)
    text = re.sub(r" - ", choice(rng, (" – ", "—", " — ")), text)
    text = re.sub(r"(?<=\w)'(?=\w)", "’", text)
    text = re.sub(r'"([^"]*)"', choice(rng, ("“\\1”", "‘‘\\1’’")), text)
    text = re.sub(r"'([^']*)'", "‘\\1’", text)
    if rng.random() < 0.3:  # an aside set off by dashes
        words = text.split(" ")
        if len(words) > 4:
            i = int(rng.integers(1, len(words) - 2))
            if rng.random() < 0.5:  # an em dash is set closed up: "word—next"
                words[i : i + 2] = [f"{words[i]}—{words[i + 1]}"]
            else:
                words[i] += " –"
        text = " ".join(words)
    return text


def date(rng: np.random.Generator, lang: str) -> str:
    y, m, d = int(rng.integers(1900, 2040)), int(rng.integers(1, 13)), int(rng.integers(1, 29))
    if lang == "zh":
        return f"{y}年{m}月{d}日"
    hh, mm = int(rng.integers(24)), int(rng.integers(60))
    forms = (f"{y}-{m:02d}-{d:02d}", f"{d:02d}/{m:02d}/{y}", f"{m}/{d}/{y}", f"{MONTHS[m - 1]} {d}, {y}",
             f"{d} {MONTHS[m - 1][:3]} {y}", f"{d}.{m}.{y}", f"{y}-{m:02d}-{d:02d}T{hh:02d}:{mm:02d}")
    return choice(rng, forms)


def field(rng: np.random.Generator, lang: str) -> str:
    """A record-like string (name, address, date, phone number, …), mostly from Faker."""
    if rng.random() < 0.1:
        return date(rng, lang)
    fake = faker(rng, choice(rng, ZH_LOCALES if lang == "zh" else LATIN_LOCALES))
    value = str(getattr(fake, choice(rng, FIELDS))())
    return re.sub(r"\s*\n\s*", ", ", value).strip()


def number(rng: np.random.Generator) -> str:
    r = rng.random()
    if r < 0.3:
        return f"{rng.integers(0, 10**int(rng.integers(1, 8))):,}"
    if r < 0.6:
        return f"{rng.random() * 10**int(rng.integers(0, 5)):.{int(rng.integers(1, 4))}f}"
    if r < 0.8:
        return f"{choice(rng, '$€£¥')}{rng.integers(1, 99999)}.{rng.integers(0, 100):02d}"
    return "".join(choice(rng, string.ascii_uppercase + string.digits + "-/")
                   for _ in range(int(rng.integers(4, 14))))


def paragraph(rng: np.random.Generator, lang: str, n_chars: int) -> str:
    """Sentences joined into one paragraph of at least ``n_chars`` characters."""
    parts: list[str] = []
    size = 0
    while size < n_chars:
        parts.append(sentence(rng, lang))
        size += len(parts[-1]) + 1
    return ("" if lang == "zh" else " ").join(parts)


def snippet(rng: np.random.Generator, lang: str, max_chars: int) -> str:
    """A short string as found on labels and signs: a record, a number or a clipped sentence."""
    for _ in range(4):
        r = rng.random()
        text = field(rng, lang) if r < 0.35 else number(rng) if r < 0.45 else sentence(rng, lang)
        if len(text) <= max_chars or lang == "zh" or " " in text[:max_chars].strip():
            break  # fits, or can be cut between words
    return clip(text, max_chars)


def clip(text: str, max_chars: int) -> str:
    """Cut ``text`` to at most ``max_chars``, at a space when there is one."""
    if len(text) <= max_chars:
        return text.strip()
    cut = text[:max_chars].strip()
    return cut.rsplit(" ", 1)[0] if " " in cut else cut


def heading(rng: np.random.Generator, lang: str) -> str:
    if lang == "zh":
        return "".join(chinese_words(rng, int(rng.integers(2, 6))))
    words = [choice(rng, english_words()) for _ in range(int(rng.integers(1, 6)))]
    text = " ".join(w.capitalize() if rng.random() < 0.7 else w for w in words)
    return text.upper() if rng.random() < 0.2 else text  # "ESTIMATED COSTS", as regulations set them


@cache
def _words_by_length() -> dict[int, tuple[str, ...]]:
    out: dict[int, list[str]] = {}
    for w in english_words():
        out.setdefault(len(w), []).append(w)
    return {n: tuple(ws) for n, ws in out.items()}


def lookalike(rng: np.random.Generator, word: str) -> str:
    """A different string of the same shape (digits stay digits, CJK stays CJK) for tampering."""
    for _ in range(8):
        if CJK.fullmatch(word):
            new = "".join(chinese_words(rng, len(word) * 2))[: len(word)]
        elif word.isalpha():
            new = choice(rng, _words_by_length().get(len(word), english_words()))
            new = new.capitalize() if word[0].isupper() else new
        else:
            new = "".join(str(rng.integers(10)) if c.isdigit() else choice(rng, string.ascii_letters)
                          if c.isalpha() else c for c in word)
        if new != word:
            return new
    return word[::-1] + "x"
