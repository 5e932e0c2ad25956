"""Whole outputs that are not text, drawn as the reader expects to see them.

Molecules are drawn with RDKit and sheet music engraved with Verovio, both as inline SVG; when
either library is missing or cannot read the output, the source alone is shown. TikZ would need
a TeX engine, so it stays as source. Chart data becomes tables.
"""
from __future__ import annotations

from html import escape
from typing import Any

from genocr.export import chart, html_mmd, mmd

_VEROVIO_OPTIONS = {"svgViewBox": True, "adjustPageHeight": True, "header": "none", "footer": "none", "scale": 40}


def molecule(smiles: str) -> str:
    """The structure drawing (when RDKit can parse it) above the SMILES string."""
    code = f'<p class="smiles">SMILES: <code>{escape(smiles)}</code></p>'
    svg = _molecule_svg(smiles)
    return f'<figure class="drawing">{svg}</figure>\n{code}' if svg else code


def music(kern: str) -> str:
    """The engraved score (when Verovio can read it), with the **kern source folded below it."""
    svg = _music_svg(kern)
    shown = "" if svg else " open"
    source = f"<details{shown}><summary>**kern source</summary><pre>{escape(kern)}</pre></details>"
    return f'<figure class="drawing">{svg}</figure>\n{source}' if svg else source


def tikz(source: str) -> str:
    return (
        '<p class="note">TikZ is not rendered in the browser; compile this source with LaTeX to see the figure.</p>\n'
        f"<pre>{escape(source)}</pre>"
    )


def chart_tables(data: dict[str, Any] | list[Any]) -> str:
    """Scalar fields (title, axes) as a definition list, then one table per nested field."""
    fields, grids = chart.describe(data)
    parts = []
    if fields:
        items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in fields)
        parts.append(f'<dl class="fields">{items}</dl>')
    for grid in grids:
        if grid.name:
            parts.append(f"<h3>{escape(grid.name)}</h3>")
        rows = [[mmd.Cell(text) for text in row] for row in [grid.header, *grid.rows]]
        parts.append(html_mmd.table(rows, content=escape, css_class="chart"))
    return "\n".join(parts)


def _molecule_svg(smiles: str) -> str | None:
    try:
        from rdkit import Chem, rdBase
        from rdkit.Chem.Draw import rdMolDraw2D
    except ImportError:
        return None
    with rdBase.BlockLogs():  # an unreadable SMILES is expected here, not worth a log line
        mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return None
    drawer = rdMolDraw2D.MolDraw2DSVG(360, 270)
    rdMolDraw2D.PrepareAndDrawMolecule(drawer, mol)
    drawer.FinishDrawing()
    return _svg_element(drawer.GetDrawingText())


def _music_svg(kern: str) -> str | None:
    try:
        import verovio
    except ImportError:
        return None
    verovio.enableLog(verovio.LOG_OFF)
    toolkit = verovio.toolkit()
    toolkit.setOptions(_VEROVIO_OPTIONS)
    if not toolkit.loadData(kern) or toolkit.getPageCount() == 0:
        return None
    return "\n".join(_svg_element(toolkit.renderToSVG(n)) for n in range(1, toolkit.getPageCount() + 1))


def _svg_element(svg: str) -> str:
    """The <svg> element alone, without the XML declaration that is invalid inside HTML."""
    return svg[svg.find("<svg") :]
