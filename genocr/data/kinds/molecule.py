"""Molecule depictions whose target is the canonical SMILES (GOT's molecule engine, §3.3.2).

GOT drew ChEMBL; genocr draws the 15k molecules that ship inside RDKit's own data folder
(the first 5,000 of the NCI open database and 10,000 WEHI screening compounds used by RDKit's
PAINS tests), plus new molecules made by joining two of them with a single bond. RDKit's
Cairo drawer depicts them with random size, rotation, line width, palette and font scale.
"""
from __future__ import annotations

import csv
import io
import os
from functools import cache

import numpy as np
from PIL import Image
from rdkit import Chem, RDConfig, rdBase
from rdkit.Chem.Draw import rdMolDraw2D

from ..corpus import choice
from ..sample import Sample, register_kind

SOURCES = ("NCI/first_5K.smi", "Pains/test_data/wehi_mols.csv")
MIN_ATOMS, MAX_ATOMS, MAX_PART = 4, 50, 20


@cache
def pool() -> list[tuple[str, str]]:
    """(SMILES, file) of every multi-atom molecule in the shipped files, salts left out."""
    out = []
    for name in SOURCES:
        with open(os.path.join(RDConfig.RDDataDir, name), encoding="utf-8") as f:
            rows = csv.reader(f, delimiter="\t" if name.endswith(".smi") else ",")
            out += [(row[0], name) for row in rows if row and "." not in row[0]]
    return out


def _parse(smiles: str, max_atoms: int) -> Chem.Mol | None:
    mol = Chem.MolFromSmiles(smiles)
    return mol if mol is not None and MIN_ATOMS <= mol.GetNumHeavyAtoms() <= max_atoms else None


def _join(a: Chem.Mol, b: Chem.Mol, rng: np.random.Generator) -> Chem.Mol | None:
    """``a`` and ``b`` linked by a single bond between two neutral atoms that carry H."""

    def sites(m: Chem.Mol) -> list[int]:
        return [x.GetIdx() for x in m.GetAtoms()
                if x.GetTotalNumHs() > 0 and x.GetFormalCharge() == 0 and not x.GetNoImplicit()]

    sa, sb = sites(a), sites(b)
    if not sa or not sb:
        return None
    rw = Chem.RWMol(Chem.CombineMols(a, b))
    rw.AddBond(choice(rng, sa), a.GetNumAtoms() + choice(rng, sb), Chem.BondType.SINGLE)
    mol = rw.GetMol()
    try:
        Chem.SanitizeMol(mol)
    except Chem.rdchem.MolSanitizeException:  # e.g. a ring that no longer kekulises
        return None
    return mol


def molecule(rng: np.random.Generator) -> tuple[Chem.Mol, str, str]:
    """A molecule, the SMILES it was built from and its origin."""
    molecules = pool()
    with rdBase.BlockLogs():  # the pool holds a few SMILES RDKit rejects; they are skipped
        while True:
            smiles, origin = choice(rng, molecules)
            if rng.random() < 0.3:
                other, _ = choice(rng, molecules)
                a, b = _parse(smiles, MAX_PART), _parse(other, MAX_PART)
                mol = _join(a, b, rng) if a is not None and b is not None else None
                if mol is not None:
                    return mol, Chem.MolToSmiles(mol, canonical=False), "joined"
            else:
                mol = _parse(smiles, MAX_ATOMS)
                if mol is not None:
                    return mol, smiles, origin


def depict(mol: Chem.Mol, rng: np.random.Generator) -> Image.Image:
    """A PNG depiction with randomised drawing options."""
    size = int(rng.integers(300, 700))
    drawer = rdMolDraw2D.MolDraw2DCairo(size, int(size * rng.uniform(0.6, 1.0)))
    opts = drawer.drawOptions()
    opts.rotate = float(rng.uniform(0, 360))
    opts.bondLineWidth = float(rng.uniform(1, 3))
    opts.minFontSize = int(rng.integers(8, 16))
    opts.padding = float(rng.uniform(0.03, 0.12))
    opts.comicMode = bool(rng.random() < 0.1)
    opts.explicitMethyl = bool(rng.random() < 0.2)
    if rng.random() < 0.4:
        opts.useBWAtomPalette()
    rdMolDraw2D.PrepareAndDrawMolecule(drawer, mol)
    drawer.FinishDrawing()
    return Image.open(io.BytesIO(drawer.GetDrawingText())).convert("RGB")


@register_kind("molecule")
def make(rng: np.random.Generator) -> Sample:
    """One depiction and its canonical SMILES."""
    mol, source, origin = molecule(rng)
    meta = {"source_smiles": source, "origin": origin}
    return Sample("molecule", [depict(mol, rng)], Chem.MolToSmiles(mol), "format", meta)
