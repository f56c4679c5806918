"""Management information: aggregate figures for managers and boards (G1, G2, G3, R2, C4, P4).

Every figure is computed from the stores (the event store's chronologies and identity
cases, the alert store), never from logs, and from the times recorded there, so a report
for a past period gives the same figures when run again. Each report states at its head
which agencies and sending organisations are late or silent for its period, and is then
marked incomplete (``completeness``). One module per report family (``referrals``,
``alert_figures``, ``plans``, ``identity``), the report model (``report``), rendering
(``formatting``, ``charts``), and the door every run passes (``service``).
"""
