"""Layout: where a page's lines are (``lines``) and which blocks they form (``blocks``).

Classical and CPU-cheap: a binarised page, its lines found by smearing, then blocks grouped and
typed from the lines' geometry (columns, gaps, indents, centring, glyph size, table rows and
rules). The reader (``genocr.predict.reader``) reads each block by the prompt its kind needs.
"""
