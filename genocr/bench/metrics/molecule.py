"""SMILES scores: canonical exact match and Tanimoto similarity (RDKit)."""
from __future__ import annotations

from typing import Any

# --------------------------------------------------------------------------------------
# SMILES
# --------------------------------------------------------------------------------------


def smiles_match(pred: str, gt: str) -> dict[str, Any]:
    """Compare molecules: ``exact`` (same canonical SMILES) and ``tanimoto``.

    ``tanimoto`` is the Tanimoto similarity of Morgan fingerprints (radius 2,
    2048 bits), computed with RDKit. An unparsable or empty ``pred`` gives
    ``exact=False`` and ``tanimoto=0.0``. An unparsable ``gt`` raises
    ``ValueError``: it is a data error, not a model error.
    """
    from rdkit import Chem, DataStructs, rdBase
    from rdkit.Chem import rdFingerprintGenerator

    with rdBase.BlockLogs():
        gt_mol = Chem.MolFromSmiles(gt) if gt and gt.strip() else None
        pred_mol = Chem.MolFromSmiles(pred) if pred and pred.strip() else None
    if gt_mol is None:
        raise ValueError(f"ground-truth SMILES does not parse: {gt!r}")
    if pred_mol is None:
        return {"exact": False, "tanimoto": 0.0}
    exact = Chem.MolToSmiles(pred_mol) == Chem.MolToSmiles(gt_mol)
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    sim = DataStructs.TanimotoSimilarity(gen.GetFingerprint(pred_mol), gen.GetFingerprint(gt_mol))
    return {"exact": bool(exact), "tanimoto": float(sim)}
