"""The staff console in a real browser (Playwright driving the system's Chromium, headless)
against the embedded local stack: sign-in, the queue and its filters, claiming and deciding,
four eyes on a critical alert, an auditor's read-only view, the dashboard's charts, the
language switch, axe-core's WCAG AA checks on every screen, a takeover's logins on its
alert's timeline. `RISKWARN_CONSOLE_SHOTS=docs/console` keeps a screenshot of each screen
there (`make console-shots`)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import orjson
import pytest

from riskwarn.local.stack import CONSOLE_DIST, LocalStack
from riskwarn.local.tokens import sign
from tests.builders import eventually, scenario
from tests.e2e.test_local_stack import http, started

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and (CONSOLE_DIST / "index.html").exists()),
    reason="needs Chromium and the built console (make console; .ci/run installs both)")
SHOTS = os.environ.get("RISKWARN_CONSOLE_SHOTS")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _stream(stack: LocalStack, lines: list[bytes]) -> None:
    """Events onto the local stack's stream, each keyed by its customer."""
    kin = boto3.client("kinesis", endpoint_url=stack.endpoint, region_name="us-east-1",
                       aws_access_key_id="x", aws_secret_access_key="x")
    kin.put_records(StreamName=stack.p.ref("EventStream") if stack.p else "", Records=[
        {"Data": line, "PartitionKey": orjson.loads(line)["customer_id"]} for line in lines])


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    sent = len(scenario())
    for stack in started(tmp_path_factory, "console"):
        _stream(stack, scenario())
        # every record scored (its batch's alerts, notifications and profiles written), so
        # the tests count the queue as it will stay
        eventually(lambda s=stack: s.stats["ScoreFunctionStream"].events >= sent)
        eventually(lambda s=stack: len(http(s, "GET", "/alerts?limit=50")[1]["items"]) >= 3)
        yield stack


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def _page(browser: Any, local: LocalStack, user: str) -> Any:
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(local.api_url + "/")
    page.get_by_test_id(f"signin-{user}").click()
    page.get_by_test_id("who").wait_for()
    return page


def _shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.wait_for_timeout(400)  # charts finish their animation
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _alerts(local: LocalStack) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = http(local, "GET", "/alerts?limit=100")[1]["items"]
    return items


def _waiting(local: LocalStack, alert_id: str) -> bool:
    return bool(http(local, "GET", f"/alerts/{alert_id}")[1]["waiting_for_decision"])


def test_sign_in_shows_the_queue_in_both_languages(browser: Any, local: LocalStack) -> None:
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(local.api_url + "/")
    for user in ("ana", "sue", "aud", "ada"):
        page.get_by_test_id(f"signin-{user}").wait_for()
    _shot(page, "sign-in")
    page.get_by_test_id("signin-ana").click()
    rows = page.locator(".ant-table-row")
    rows.first.wait_for()
    assert rows.count() == len(_alerts(local))
    assert page.get_by_text("Alert queue").count() >= 1
    _shot(page, "queue")
    page.get_by_test_id("lang").click()
    page.get_by_text("预警队列").first.wait_for()
    assert page.get_by_text("筛选").count() == 1 and page.locator("html").get_attribute(
        "lang") == "zh-CN"
    _shot(page, "queue-zh")
    page.get_by_test_id("lang").click()
    page.get_by_text("Alert queue").first.wait_for()
    page.close()


def test_the_tier_filter_shows_that_tier_only(browser: Any, local: LocalStack) -> None:
    page = _page(browser, local, "ana")
    page.locator(".ant-table-row").first.wait_for()
    tiers = {a["tier"] for a in _alerts(local)}
    tier = "medium" if "medium" in tiers else sorted(tiers)[0]
    page.get_by_test_id("filter-tier").click()
    page.locator(".ant-select-item-option", has_text=tier).first.click()
    want = len([a for a in _alerts(local) if a["tier"] == tier])
    page.get_by_test_id("queue-count").get_by_text(f"{want} alerts shown").wait_for()
    assert page.locator(".ant-table-row").count() == want
    page.close()


def test_an_analyst_claims_and_decides_a_high_alert(browser: Any, local: LocalStack) -> None:
    high = next(a for a in _alerts(local) if a["tier"] == "high" and a["status"] == "open")
    eventually(lambda: _waiting(local, high["alert_id"]))
    page = _page(browser, local, "ana")
    page.get_by_test_id(f"claim-{high['alert_id']}").click()
    page.get_by_text(high["alert_id"]).click()
    page.get_by_test_id("reasons").wait_for()
    # the customer's transactions around the alert, drawn from the API's timeline
    page.get_by_test_id("timeline").locator("svg").first.wait_for()
    _shot(page, "alert-detail")
    page.get_by_label("False positive").check()
    page.get_by_label("Note").fill("known merchant, customer confirmed by phone")
    page.get_by_test_id("submit").click()
    page.get_by_test_id("decided").wait_for()
    assert eventually(lambda: http(local, "GET", f"/alerts/{high['alert_id']}")[1]["status"]
                      in ("false_positive", "closed"))
    page.close()


def test_a_critical_alert_needs_a_second_person_who_is_a_supervisor(
        browser: Any, local: LocalStack) -> None:
    critical = next((a for a in _alerts(local) if a["tier"] == "critical"), None)
    if critical is None:
        pytest.skip("the scenario raised no critical alert")
    page = _page(browser, local, "ana")
    page.goto(f"{local.api_url}/#/alerts/{critical['alert_id']}")
    page.get_by_test_id("decision-form").wait_for()
    page.get_by_label("Confirmed").check()
    page.get_by_label("Note").fill("structuring across branches")
    page.get_by_test_id("submit").click()
    page.get_by_test_id("first-review").wait_for()
    assert page.get_by_test_id("decision-form").count() == 0  # not the final one: a supervisor
    page.close()
    eventually(lambda: _waiting(local, critical["alert_id"]))
    sue = _page(browser, local, "sue")
    sue.goto(f"{local.api_url}/#/alerts/{critical['alert_id']}")
    sue.get_by_test_id("decision-form").wait_for()
    _shot(sue, "four-eyes")
    sue.get_by_label("Confirmed").check()
    sue.get_by_label("Note").fill("agreed: file the report")
    sue.get_by_test_id("submit").click()
    sue.get_by_test_id("decided").wait_for()
    assert eventually(lambda: http(local, "GET", f"/alerts/{critical['alert_id']}", user="sue",
                                   groups=("supervisor",))[1]["status"] in ("confirmed", "closed"))
    sue.close()


def test_an_auditor_sees_no_decision_controls(browser: Any, local: LocalStack) -> None:
    page = _page(browser, local, "aud")
    page.locator(".ant-table-row").first.wait_for()
    assert page.locator("[data-testid^=claim-]").count() == 0
    first = _alerts(local)[0]["alert_id"]
    page.goto(f"{local.api_url}/#/alerts/{first}")
    page.get_by_test_id("read-only").wait_for()
    assert page.get_by_test_id("decision-form").count() == 0
    assert page.get_by_test_id("claim").count() == 0
    # and the API refuses anyway
    token = sign("aud", ["auditor"], local.secret)
    assert http(local, "POST", f"/alerts/{first}/claim", token=token)[0] == 403
    page.close()


def test_the_dashboard_draws_the_numbers_the_api_returns(browser: Any, local: LocalStack) -> None:
    page = _page(browser, local, "sue")
    page.goto(f"{local.api_url}/#/dashboard")
    page.get_by_test_id("chart-tier").locator("svg").first.wait_for()
    shown = page.get_by_test_id("stat-alerts").locator(".ant-statistic-content-value").inner_text()
    now = datetime.now(UTC)
    start = (now - timedelta(days=30)).replace(hour=0, minute=0, second=0, microsecond=0)
    _, summary = http(local, "GET", "/reports/summary?from="
                      + start.isoformat().replace("+00:00", "Z") + "&to="
                      + (now + timedelta(days=1)).isoformat().replace("+00:00", "Z"),
                      user="sue", groups=("supervisor",))
    assert int(shown.replace(",", "")) == summary["alerts"]
    for tier, n in summary["by_tier"].items():  # every bar's label is the API's count
        assert page.get_by_test_id("chart-tier").get_by_text(str(n)).count() >= 1, tier
    # over time: one column per day the API counts, on the day's axis label
    days = page.get_by_test_id("chart-tier-days")
    days.locator("svg").first.wait_for()
    for day in summary["by_day_tier"]:
        assert days.get_by_text(day).count() == 1, day
    _shot(page, "dashboard")
    page.close()


def test_a_medium_alert_is_claimed_and_decided_with_the_keyboard_alone(
        browser: Any, local: LocalStack) -> None:
    medium = next(a for a in _alerts(local) if a["tier"] == "medium" and a["status"] == "open")
    page = _page(browser, local, "al")
    claim = page.get_by_test_id(f"claim-{medium['alert_id']}")
    claim.focus()
    page.keyboard.press("Enter")
    page.get_by_test_id(f"claim-{medium['alert_id']}").wait_for(state="detached")
    page.goto(f"{local.api_url}/#/alerts/{medium['alert_id']}")
    page.get_by_label("Confirmed").focus()
    page.keyboard.press("ArrowRight")  # the radio group: on to "False positive"
    assert page.get_by_label("False positive").is_checked()
    page.keyboard.press("Tab")
    page.keyboard.type("checked with the customer: a known deposit")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.get_by_test_id("decided").wait_for()
    doc = http(local, "GET", f"/alerts/{medium['alert_id']}")[1]
    assert doc["label"] == "negative" and doc["decided_by"] == "al"
    page.close()


def test_a_new_alert_appears_in_the_open_queue_without_a_reload(
        browser: Any, local: LocalStack) -> None:
    page = _page(browser, local, "ana")
    page.locator(".ant-table-row").first.wait_for()
    before = page.locator(".ant-table-row").count()
    line = orjson.dumps({
        "event_id": "e-live-1", "event_type": "transaction", "customer_id": "C-LIVE",
        "occurred_at": datetime.now(UTC).isoformat(), "account_id": "C-LIVE-01",
        "amount": "80000.00", "currency": "CNY", "direction": "credit", "method": "cash",
        "channel": "branch"})
    _stream(local, [line])
    page.get_by_text("C-LIVE").first.wait_for(timeout=30_000)  # polled, no reload
    assert page.locator(".ant-table-row").count() == before + 1
    page.get_by_text("1 new alerts").wait_for()
    page.close()


def test_a_chain_alert_draws_its_network_masked_for_an_auditor(
        browser: Any, local: LocalStack) -> None:
    now = datetime.now(UTC)

    def move(cid: str, minutes: int, amount: str, direction: str, cp: str) -> bytes:
        return orjson.dumps({
            "event_id": f"e-net-{cid}-{minutes}-{direction}", "event_type": "transaction",
            "customer_id": cid, "account_id": f"{cid}-01", "channel": "mobile",
            "occurred_at": (now + timedelta(minutes=minutes - 90)).isoformat(),
            "amount": amount, "currency": "CNY", "direction": direction,
            "method": "transfer", "counterparty_id": cp})

    chain = [move("NA", 0, "60000.00", "credit", "SRC-01"),
             move("NA", 30, "57000.00", "debit", "NB-01"),
             move("NB", 30, "57000.00", "credit", "NA-01"),
             move("NB", 60, "55000.00", "debit", "NC-01"),
             move("NC", 60, "55000.00", "credit", "NB-01")]
    _stream(local, chain)
    # NC's credit and NB's hop are two shards' work at once: whichever comes first, NC's
    # recheck finds the hop or the hop's write names NC (docs/architecture.md)
    alert = eventually(lambda: next((a for a in _alerts(local) if a["customer_id"] == "NC"
                                     and "AML-LAYERING-CHAIN" in a["typologies"]), None))
    page = _page(browser, local, "ana")
    page.goto(f"{local.api_url}/#/alerts/{alert['alert_id']}")
    graph = page.get_by_test_id("network-graph")
    graph.locator("svg").first.wait_for()
    for account in ("NA-01", "NB-01", "NC-01"):
        graph.get_by_text(account, exact=True).first.wait_for()
    _shot(page, "network")
    page.close()
    aud = _page(browser, local, "aud")
    aud.goto(f"{local.api_url}/#/alerts/{alert['alert_id']}")
    graph = aud.get_by_test_id("network-graph")
    graph.get_by_text("NC-01", exact=True).first.wait_for()  # the alert's own account
    assert graph.get_by_text("NA-01", exact=True).count() == 0
    aud.close()


def test_the_customer_view_lists_the_customers_alerts(browser: Any, local: LocalStack) -> None:
    alert = _alerts(local)[0]
    page = _page(browser, local, "sue")
    page.goto(f"{local.api_url}/#/alerts/{alert['alert_id']}")
    page.get_by_test_id("customer-link").click()
    page.get_by_test_id("customer-title").get_by_text(alert["customer_id"]).wait_for()
    rows = page.get_by_test_id("customer-alerts").locator(".ant-table-row")
    rows.first.wait_for()
    assert rows.count() == len([a for a in _alerts(local)
                                if a["customer_id"] == alert["customer_id"]])
    _shot(page, "customer")
    page.close()


def test_an_admin_changes_thresholds_with_a_reason_and_bad_values_are_refused(
        browser: Any, local: LocalStack) -> None:
    page = _page(browser, local, "ada")
    page.goto(f"{local.api_url}/#/thresholds")
    page.get_by_test_id("thr-form").wait_for()
    before = http(local, "GET", "/config/thresholds", user="ada", groups=("admin",))[1]
    critical = page.get_by_test_id("thr-tiers.critical")
    critical.fill("650")  # under high: tiers must rise
    page.get_by_test_id("thr-note").fill("fewer critical alerts")
    page.get_by_test_id("thr-save").click()
    page.get_by_text("Tiers must rise").wait_for()
    critical.fill("880")
    page.get_by_test_id("thr-save").click()
    page.get_by_test_id("thr-saved").wait_for()
    after = http(local, "GET", "/config/thresholds", user="ada", groups=("admin",))[1]
    assert after["version"] == before["version"] + 1 and after["tiers"]["critical"] == 880
    assert after["changed_by"] == "ada" and after["note"] == "fewer critical alerts"
    # a list: codes typed as tags, checked as the API checks them (here: a name is no code)
    countries = page.get_by_test_id("thr-high_risk_countries").locator("input")
    countries.fill("Iran")
    countries.press("Enter")
    page.get_by_test_id("thr-note").fill("FATF list of this month")
    page.get_by_test_id("thr-save").click()
    refused = page.locator(".ant-form-item-explain-error")
    refused.first.wait_for()
    assert refused.count() == 1 and "ISO 3166 country codes" in refused.inner_text()
    countries.press("Backspace")  # the last tag goes
    countries.fill("cu")  # taken as CU
    countries.press("Enter")
    page.get_by_test_id("thr-save").click()
    eventually(lambda: http(local, "GET", "/config/thresholds", user="ada",
                            groups=("admin",))[1]["version"] == after["version"] + 1, 30)
    listed = http(local, "GET", "/config/thresholds", user="ada", groups=("admin",))[1]
    assert listed["typologies"]["high_risk_countries"] == [
        *after["typologies"]["high_risk_countries"], "CU"]
    assert listed["note"] == "FATF list of this month"
    _shot(page, "thresholds")
    page.close()
    # an analyst sees them read only: the form is disabled and has no save button
    ana = _page(browser, local, "ana")
    ana.goto(f"{local.api_url}/#/thresholds")
    ana.get_by_test_id("thr-form").wait_for()
    assert ana.get_by_test_id("thr-save").count() == 0
    assert ana.get_by_test_id("thr-tiers.critical").is_disabled()
    ana.close()


def test_the_queue_pages_through_many_alerts(browser: Any, local: LocalStack) -> None:
    """Last in this module: it adds 130 alerts the other tests would see."""
    from riskwarn.cases.alerts import Alert
    from riskwarn.store.alerts import to_item

    ddb = local.client("dynamodb")
    table = local.p.ref("AlertsTable") if local.p else ""
    now = datetime.now(UTC)
    for i in range(130):
        at = now - timedelta(seconds=i + 60)
        ddb.put_item(TableName=table, Item=to_item(Alert(
            alert_id=f"AL-page-{i:04d}", customer_id=f"C-P{i % 7}", tier="low", score=320,
            risk_category="fraud", typologies=["FRAUD-VELOCITY"], reason_codes=["r"],
            event_ids=[f"e-p{i}"], occurred_at=at, last_evidence_at=at, created_at=at)))
    total = len(_alerts(local)) + 0  # the first page's worth, as the console asks
    page = _page(browser, local, "ana")
    count = page.get_by_test_id("queue-count")
    count.get_by_text("100 alerts shown").wait_for()
    assert total == 100
    page.get_by_test_id("more").click()
    n, cursor = 0, ""
    while True:  # every alert the API holds, page by page
        doc = http(local, "GET", "/alerts?limit=100" + (f"&cursor={cursor}" if cursor else ""))[1]
        n += len(doc["items"])
        cursor = doc.get("next_cursor") or ""
        if not cursor:
            break
    assert n > 130
    count.get_by_text(f"{n} alerts shown").wait_for()
    assert page.get_by_test_id("more").is_disabled()
    page.close()


AXE = Path(__file__).resolve().parents[2] / "console/node_modules/axe-core/axe.min.js"


def _axe(page: Any, screen: str) -> list[str]:
    """axe-core's WCAG 2 A/AA checks (contrast, labels, names, landmarks, ARIA) on the page
    as it stands: one line per failing rule and element. Transitions and animations are
    switched off first, so the checker reads the colours a screen settles on, not a button
    half-way through its fade from disabled to enabled."""
    page.add_style_tag(content="*, *::before, *::after { transition: none !important; "
                               "animation: none !important; }")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']});
        return r.violations.map(v => v.nodes.map(n => v.id + ': ' + n.target.join(' ') +
            ' — ' + (n.failureSummary || '').split('\\n').slice(1, 2).join(''))).flat();
    }""")
    return [f"{screen}: {line}" for line in result]


@pytest.mark.skipif(not AXE.exists(), reason="needs the console's dev dependencies (npm ci)")
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_screen_passes_the_wcag_aa_checks(browser: Any, local: LocalStack,
                                                lang: str) -> None:
    """Contrast AA, a label on every control, names on buttons and links, valid ARIA: axe-core
    on the sign-in page, the queue, an alert, a customer, the dashboard and the thresholds."""
    found: list[str] = []
    # the console's CSP allows no inline script: this context lets the checker in
    context = browser.new_context(viewport={"width": 1440, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(local.api_url + "/")
    page.get_by_test_id("signin-ada").wait_for()
    found += _axe(page, "sign-in")
    page.get_by_test_id("signin-ada").click()
    page.get_by_test_id("who").wait_for()
    if lang == "zh":
        page.get_by_test_id("lang").click()
        page.get_by_text("预警队列").first.wait_for()
    page.locator(".ant-table-row").first.wait_for()
    found += _axe(page, "queue")
    alert = _alerts(local)[0]
    page.goto(f"{local.api_url}/#/alerts/{alert['alert_id']}")
    page.get_by_test_id("reasons").wait_for()
    page.get_by_test_id("timeline").locator("svg").first.wait_for()
    found += _axe(page, "alert")
    page.get_by_test_id("customer-link").click()
    page.get_by_test_id("customer-alerts").locator(".ant-table-row").first.wait_for()
    found += _axe(page, "customer")
    page.goto(f"{local.api_url}/#/dashboard")
    page.get_by_test_id("chart-tier").locator("svg").first.wait_for()
    page.wait_for_function(  # the report has loaded: its export is enabled
        "() => !document.querySelector('[data-testid=csv]')?.disabled")
    found += _axe(page, "dashboard")
    page.goto(f"{local.api_url}/#/thresholds")
    page.get_by_test_id("thr-form").wait_for()
    found += _axe(page, "thresholds")
    # an analyst's decision form: an open medium alert of its own (no four eyes, no
    # waiting), whatever the tests before this one decided
    from tests.builders import at, line

    cid = f"C-AXE-{lang.upper()}"
    _stream(local, [line(customer_id=cid, occurred_at=at(2), amount="60000.00", method="cash",
                         direction="credit", counterparty_id=None)])
    form = eventually(lambda: next((a for a in _alerts(local) if a["customer_id"] == cid
                                    and a["tier"] == "medium"), None))
    page = context.new_page()
    page.goto(local.api_url + "/")
    page.get_by_test_id("signin-ana").click()
    page.get_by_test_id("who").wait_for()
    if lang == "zh":
        page.get_by_test_id("lang").click()
    page.goto(f"{local.api_url}/#/alerts/{form['alert_id']}")
    page.get_by_test_id("decision-form").wait_for()
    found += _axe(page, "decision form")
    context.close()
    assert not found, "\n".join(found)


def _profile_seen(local: LocalStack, cid: str, events: int) -> dict[str, Any] | None:
    """The customer's risk view once its saved profile has seen `events` events."""
    _, risk = http(local, "GET", f"/customers/{cid}/risk")
    profile = risk.get("profile") or {}
    return risk if profile.get("events_seen", 0) >= events else None


def test_a_takeovers_logins_and_change_are_on_the_alerts_timeline(
        browser: Any, local: LocalStack) -> None:
    """Failed logins, a login from a new device abroad, a new phone number, then money out:
    the alert's timeline shows the logins and the change beside the transactions."""
    from tests.builders import at, line

    cid = "C-ATO"
    lines = [line("login", customer_id=cid, occurred_at=at(h)) for h in range(3)]
    lines += [line(customer_id=cid, occurred_at=at(h + 0.5), amount="120.00",
                   counterparty_id=f"M{h}") for h in range(3)]
    lines += [line("login", customer_id=cid, occurred_at=at(5 + k / 60), success=False,
                   device_id="d-thief", country="VN", auth_method="password")
              for k in range(3)]
    lines.append(line("login", customer_id=cid, occurred_at=at(5.1), device_id="d-thief",
                      country="VN", auth_method="password"))
    lines.append(line("profile_change", customer_id=cid, occurred_at=at(5.3),
                      device_id="d-thief", country="VN", field="phone"))
    lines.append(line(customer_id=cid, occurred_at=at(5.6), amount="48000.00",
                      method="transfer", device_id="d-thief", country="VN",
                      counterparty_id="P-MULE-1"))
    _stream(local, lines)
    alert = eventually(lambda: next((a for a in _alerts(local) if a["customer_id"] == cid
                                     and "ATO-DRAIN" in a["typologies"]), None))
    # The alert is written before the batch's profiles are saved (a batch that fails keeps
    # its alert and comes back), so the profile may lag the alert by a moment.
    risk = eventually(lambda: _profile_seen(local, cid, len(lines)))
    kinds = [a["kind"] for a in risk["profile"]["recent_access"]]
    assert kinds == ["login"] * 3 + ["login_failed"] * 3 + ["login", "change:phone"]
    page = _page(browser, local, "sue")
    page.goto(f"{local.api_url}/#/alerts/{alert['alert_id']}")
    timeline = page.get_by_test_id("timeline")
    timeline.locator("svg").first.wait_for()
    timeline.get_by_text("logins and changes").first.wait_for()  # the access band's legend
    _shot(page, "takeover-timeline")
    page.close()
