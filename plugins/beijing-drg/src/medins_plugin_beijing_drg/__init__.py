"""Beijing DRG payment 2022 (北京市 DRG 付费 2022 版) for medins-sdk.

Registers the scheme ``beijing-drg-2022`` (region 110000): grouping with the Beijing 2022
rule pack on the core CHS-DRG engine, pricing with the 2022 weights and payment standards.
"""

__version__ = "0.1.0"
