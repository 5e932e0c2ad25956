"""``genocr train``: run (or resume) a training config."""
from __future__ import annotations

import click


@click.command("train")
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False),
              help="A TOML run description (see configs/).")
def train_cli(config_path: str) -> None:
    """Train a genocr model from the data engine, resuming from the run's last checkpoint."""
    from genocr.train.config import LineTrainConfig, load_config

    config = load_config(config_path)
    if isinstance(config, LineTrainConfig):
        from genocr.train.line import LineTrainer

        LineTrainer(config).train()
    else:
        from genocr.train.loop import Trainer

        Trainer(config).train()
