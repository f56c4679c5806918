"""``hub mi REPORT``: management information from the stores, through the policy, audited.

Reports: ``completeness``, ``referrals``, ``alerts``, ``plans``, ``identity``, ``all``.
The viewer (``--as-role``, default ``safeguarding-manager``) must be let in by the
policy's ``[calls.management-information]``; a refusal prints ``refused: ...`` and exits 1.
Every report starts with which sources are late or silent, and says it is incomplete
(``--format json``: ``"complete": false``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from hub.bootstrap import System
from hub.cli.viewer import viewer, viewer_arguments
from hub.mi.formatting import FORMATS, render, suppress
from hub.mi.period import Period, PeriodError
from hub.mi.referrals import GROUPINGS
from hub.mi.reports import REPORTS
from hub.mi.service import MiRefusedError, MiRequest


def register(subparsers: Any) -> None:
    mi = subparsers.add_parser(
        "mi",
        help="management information: counts by agency, district, team; completeness",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mi.add_argument("report", choices=REPORTS)
    mi.add_argument("--from", dest="first", help="first day (YYYY-MM-DD; default 7 days back)")
    mi.add_argument("--to", dest="last", help="last day, included (default yesterday)")
    mi.add_argument("--by", choices=GROUPINGS, default="agency", help="grouping of counts")
    mi.add_argument("--format", dest="output", choices=FORMATS, default="table")
    viewer_arguments(mi, role="safeguarding-manager")
    mi.set_defaults(func=run_mi)


def run_mi(args: argparse.Namespace, system: System) -> int:
    zone = system.settings.local_time_zone
    app = system.application()
    audit = system.audit()
    try:
        service = system.mi(app, audit)
        period = Period.between(args.first, args.last, zone, service.today())
        request = MiRequest(args.report, period, args.by, args.output)
        report = service.run(viewer(args), request)
    except PeriodError as error:
        print(f"hub mi: {error}", file=sys.stderr)
        return 2
    except MiRefusedError as error:
        print(f"refused: {error}", file=sys.stderr)
        return 1
    finally:
        audit.close()
        app.close()
    sys.stdout.write(render(suppress(report, system.settings.mi_small_count), args.output))
    return 0
