"""Jiangsu maternity insurance, Nanjing (江苏南京生育保险住院分娩按病种定额结算), for medins-sdk.

Registers the scheme ``jiangsu-maternity`` (region 320100): a delivery is paid a fixed amount
per channel (vaginal, caesarean, + an add-on for an additional operation), or its actual cost
when a low-frequency complication qualifies; three audit rules on the channel chosen at
settlement; and ``medins report maternity``, the monthly overspend analysis.
"""

__version__ = "0.1.0"
