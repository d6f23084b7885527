"""Guangzhou DIP payment (广州市按病种分值付费) for medins-sdk.

Registers the scheme ``guangzhou-dip`` (region 440100): grouping and pricing on the core DIP
engine with the catalogue, point value and hospital coefficients you configure, or out of the
box with a SYNTHETIC sample catalogue (not Guangzhou's).
"""

__version__ = "0.1.0"
