"""EXAMPLE medins-sdk plugin: seed 002's regional clearing categories and its reconciled day.

Seed 002 (a tertiary hospital in Nanchang, Jiangxi, on the national platform since December
2021) prints one day's total reconciliation: 10 rows, 686 settlements, all 平. This plugin
registers the regional clearing categories that table shows (省本机关, 省本企业, 异地门诊,
异地住院) and ships the day's rows, so reconciliation has a worked example. The category
*codes* are made up (the seed prints names only): do not use them with a real bureau.
"""

__version__ = "0.1.0"
