"""zi: Zona Integritas (WBK/WBBM) self-assessment and evidence tracker."""

__version__ = "0.1.0"
