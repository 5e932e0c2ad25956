"""``genocr train``: run (or resume) a training config, or export its checkpoint as a model."""
from __future__ import annotations

from pathlib import Path

import click


@click.command("train")
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False),
              help="A TOML run description (see configs/).")
@click.option("--export", "export_to", type=click.Path(file_okay=False, path_type=Path),
              help="Instead of training, write the run's last checkpoint here as a model folder "
                   "(the line reader's weights and ONNX graph, or the format decoder's files added "
                   "beside a line reader's; no optimiser state).")
def train_cli(config_path: str, export_to: Path | None) -> None:
    """Train a genocr model from the data engine, resuming from its last checkpoint."""
    from genocr.train.config import FormatTrainConfig, LineTrainConfig, load_config

    config = load_config(config_path)
    if isinstance(config, FormatTrainConfig):
        from genocr.train.format import FormatTrainer, export_format

        if export_to is not None:
            click.echo(export_format(config, export_to))
        else:
            FormatTrainer(config).train()
        return
    if isinstance(config, LineTrainConfig):
        from genocr.train.line import LineTrainer, export_run

        if export_to is not None:
            click.echo(export_run(config, export_to))
        else:
            LineTrainer(config).train()
        return
    if export_to is not None:
        raise click.UsageError("--export is for genocr_line and genocr_format runs")
    from genocr.train.loop import Trainer

    Trainer(config).train()
