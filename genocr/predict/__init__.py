"""Prediction: the OCR predictor and the shared decoder."""
from genocr.predict.decode import DecodeConfig, Generation, generate
from genocr.predict.reader import OCR

__all__ = ["OCR", "DecodeConfig", "Generation", "generate"]
