"""End to end in a real headless browser (Debian's chromium, driven by Playwright): open the home
page, follow a territory link, run a query in the query UI and see result rows. Screenshots are
saved in test-artifacts/screenshots/ (or $SCREENSHOT_DIR). Under CI=true a missing browser fails."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from .conftest import ROOT, LiveServer, missing

YASGUI = ROOT / "node_modules" / "@zazuko" / "yasgui" / "build" / "yasgui.min.js"


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    missing("chromium is not installed (Debian package chromium; `make test` installs it as root)")


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is missing (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def site_root(built_project, tmp_path_factory) -> Path:
    """A project folder whose dist/ is the test build, with the repository's queries and npm assets."""
    root = tmp_path_factory.mktemp("site")
    (root / "dist").symlink_to(built_project.dist)
    for name in ("data", "shapes", "ontology", "queries", "node_modules"):
        if (ROOT / name).exists():
            (root / name).symlink_to(ROOT / name)
    return root


@pytest.fixture(scope="module")
def server(site_root):
    with LiveServer("--workers", "2", root=site_root) as live:
        yield live


@pytest.fixture(scope="module")
def screenshots() -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "test-artifacts" / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_visitor_reads_a_territory_then_queries(browser, server, screenshots):
    if not YASGUI.is_file():
        missing("YASGUI is not installed (npm ci installs @zazuko/yasgui)")
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    elsewhere = []
    page.on("request", lambda r: elsewhere.append(r.url)
            if urlsplit(r.url).hostname not in ("127.0.0.1", None) and not r.url.startswith("data:") else None)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(server.base + "/")
    assert "Territoires d’industrie" in page.title()
    territories = page.locator("section[aria-labelledby=territories] table tbody tr")
    assert territories.count() == 10  # 9 of the announcement + Pau – Tarbes
    page.screenshot(path=str(screenshots / "1-home.png"), full_page=True)

    territories.locator("th a", has_text="Narbonne").click()
    page.wait_for_url("**/id/territoire/narbonne")
    assert page.locator("h1").inner_text() == "Narbonne"
    assert page.get_by_text("Ce que disent les sources").is_visible()
    page.screenshot(path=str(screenshots / "2-territory.png"), full_page=True)

    page.goto(server.base + "/query")
    page.wait_for_selector(".yasqe .CodeMirror")
    tabs = page.locator(".yasgui .tabsList .tab")
    assert tabs.count() >= 6
    page.locator(".yasqe .yasqe_queryButton").first.click()
    page.wait_for_selector(".yasr table tbody tr", timeout=15000)
    rows = page.locator(".yasr table tbody tr").count()
    assert rows > 0
    page.screenshot(path=str(screenshots / "3-query.png"), full_page=True)

    assert elsewhere == [], f"requests to other hosts: {elsewhere}"
    assert errors == []
    page.close()


def test_the_query_form_works_without_javascript(browser, server, screenshots):
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    page.goto(server.base + "/query")
    page.locator("textarea#query-text").fill(
        "SELECT ?t WHERE { ?t a <https://w3id.org/territoires-industrie/def#IndustryTerritory> }")
    page.get_by_role("button", name="Exécuter").click()
    page.wait_for_selector("table.results tbody tr")
    assert page.locator("table.results tbody tr").count() == 10
    page.screenshot(path=str(screenshots / "4-query-form.png"), full_page=True)
    context.close()


def test_a_link_to_the_endpoint_opens_as_a_results_page(browser, server, screenshots):
    # What a reader gets from a shared /sparql?query=… link: the query page with its results.
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page.goto(server.base + "/sparql?query=" + quote(
        "SELECT ?t WHERE { ?t a <https://w3id.org/territoires-industrie/def#IndustryTerritory> }"))
    assert urlsplit(page.url).path == "/query"
    assert page.locator("table.results tbody tr").count() == 10
    page.screenshot(path=str(screenshots / "6-endpoint-link.png"), full_page=True)
    page.close()


def test_pages_fit_a_phone(browser, server, screenshots):
    page = browser.new_page(viewport={"width": 375, "height": 740}, locale="en-GB")
    page.goto(server.base + "/id/territoire/narbonne")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375 + 1, "the page scrolls sideways on a phone"
    page.screenshot(path=str(screenshots / "5-phone.png"), full_page=True)
    page.close()
