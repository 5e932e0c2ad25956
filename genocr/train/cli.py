"""``genocr train``: run (or resume) a training config."""
from __future__ import annotations

import click


@click.command("train")
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False),
              help="A TOML run description (see configs/).")
def train_cli(config_path: str) -> None:
    """Train a genocr model from the data engine, resuming from the run's last checkpoint."""
    from genocr.train.config import load_config
    from genocr.train.loop import Trainer

    Trainer(load_config(config_path)).train()
