"""The query pages in headless Chromium (issue 17, items 1, 2, 8 and 10): the endpoint links
open a page, the editor highlights, completes prefixes, offers the canned queries and
marks errors, results sort, the plain form works without JavaScript, and each page fits
a desk and a phone with no serious or critical axe-core violation.

Screenshots of every page at both widths are saved under the session's temporary folder
(``screenshots/``, its path printed) or $MUNICIPAL_ROLES_SCREENSHOTS, for review.
axe-core is vendored in ``vendor/`` (npm axe-core 4.14.1, MPL-2.0, its licence beside it).
"""

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait
from test_browser import CHROMEDRIVER, CHROMIUM, CHROMIUM_FLAGS, WAIT, browser, server

pytestmark = pytest.mark.slow

__all__ = ["browser", "server"]  # fixtures of test_browser.py, used here by name
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}
SELECT = "SELECT ?s ?p WHERE { ?s a <http://www.w3.org/2002/07/owl#Ontology> ; ?p ?o } LIMIT 20"
PAGES = {
    "sparql": "/sparql",
    "sparql-results": "/sparql?query=" + quote(SELECT),
    "sparql-error": "/sparql?query=" + quote("SELECT ?s WHERE {\n  ?s ?p\n}"),
    "queries": "/queries",
    "canned-query": "/queries/pay",
    "canned-query-parameters": "/queries/shared-duty-areas",
    "landing": "/",
}


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(
        os.environ.get("MUNICIPAL_ROLES_SCREENSHOTS")
        or tmp_path_factory.getbasetemp() / "screenshots"
    )
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots of the query pages: {folder}")
    return folder


@pytest.fixture(scope="module")
def no_script_browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """Chromium with JavaScript switched off, as some readers browse."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-noscript')}")
    options.add_experimental_option(
        "prefs", {"profile.managed_default_content_settings.javascript": 2}
    )
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(WAIT)
    yield driver
    driver.quit()


def _wait(driver: WebDriver, css: str):
    return WebDriverWait(driver, WAIT).until(
        expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, css))
    )


# The editor lives in the shadow root of div.editor (its styles need one, editor.mjs).
IN_EDITOR = "return document.querySelector('div.editor').shadowRoot"


def _editor(driver: WebDriver):
    """The editor's shadow root, once the script has made it."""
    WebDriverWait(driver, WAIT).until(
        lambda d: d.execute_script(
            "const h = document.querySelector('div.editor');"
            "return !!(h && h.shadowRoot && h.shadowRoot.querySelector('.cm-editor'));"
        )
    )
    return driver.find_element(By.CSS_SELECTOR, "div.editor").shadow_root


def _editor_text(driver: WebDriver) -> str:
    return driver.execute_script(
        IN_EDITOR + ".querySelectorAll('.cm-line').values().map(l => l.textContent)"
        ".toArray().join('\\n')"
    )


def _axe(driver: WebDriver) -> list[dict]:
    """axe-core's serious and critical violations of the loaded page."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document).then(r => done(JSON.stringify(r.violations)), e => done(String(e)));"
    )
    violations = json.loads(result)
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("page", PAGES)
def test_each_query_page_fits_and_passes_axe(server, browser, screenshots, page, size):
    driver = browser("en")
    driver.set_window_size(*SIZES[size])
    driver.get(server + PAGES[page])
    _wait(driver, "h1")
    if page.startswith("sparql"):
        _editor(driver)
    driver.save_screenshot(str(screenshots / f"{page}-{size}.png"))
    overflow = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1
    assert _axe(driver) == []


@pytest.mark.parametrize(
    ("start", "link"),
    [
        ("/", "footer.site a[href='/sparql']"),
        ("/", "form.query-form .note a"),
        ("/queries", "td a[href*='/sparql?query=']"),
        ("/queries/pay", "main a[href*='/sparql?query=']"),
    ],
)
def test_the_endpoint_links_open_the_query_page(server, browser, start, link):
    driver = browser("en")
    driver.get(server + start)
    driver.find_element(By.CSS_SELECTOR, link).click()
    assert _wait(driver, "h1").text == "SPARQL query"
    assert driver.current_url.startswith(server + "/sparql")
    _editor(driver)


def test_the_editor_highlights_completes_and_runs_an_example(server, browser):
    driver = browser("en")
    driver.set_window_size(*SIZES["desktop"])
    driver.get(server + "/sparql")
    editor = _editor(driver)
    # Its own styles applied under the policy (CodeMirror's base theme: a flex box).
    assert (
        editor.find_element(By.CSS_SELECTOR, ".cm-editor").value_of_css_property("display")
        == "flex"
    )
    # Highlighting: a keyword is coloured unlike plain text.
    content = editor.find_element(By.CSS_SELECTOR, ".cm-content")
    colours = driver.execute_script(
        "const kw = [...arguments[0].querySelectorAll('span')]"
        ".find(s => s.textContent === 'SELECT');"
        "return [getComputedStyle(kw).color, getComputedStyle(arguments[0]).color];",
        content,
    )
    assert colours[0] != colours[1]
    # Prefix completion from the dataset's prefixes.
    content.click()
    content.send_keys(Keys.CONTROL, Keys.END)
    content.send_keys(Keys.ENTER, "PREFIX sk")
    options = WebDriverWait(driver, WAIT).until(
        lambda d: editor.find_element(By.CSS_SELECTOR, ".cm-tooltip-autocomplete")
    )
    assert "skos: <http://www.w3.org/2004/02/skos/core#>" in options.text
    # CodeMirror ignores a pick in the first 75 ms of the list (interactionDelay).
    time.sleep(0.3)
    options.find_element(By.CSS_SELECTOR, "li[aria-selected]").click()
    last_line = _editor_text(driver).splitlines()[-1]
    assert last_line == "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>"
    # The canned queries as examples.
    Select(_wait(driver, "#examples select")).select_by_value("pay")
    assert "# title: Pay" in _editor_text(driver)
    driver.find_element(By.CSS_SELECTOR, "form.query-form button[type=submit]").click()
    table = _wait(driver, "table.results-table")
    assert table.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert "schema:" in driver.find_element(By.ID, "query").get_attribute("value")


def test_the_results_sort_by_a_column(server, browser):
    driver = browser("en")
    query = "SELECT ?n WHERE { VALUES ?n { 3 10 1 2 } }"
    driver.get(server + "/sparql?query=" + quote(query))
    header = _wait(driver, "table.results-table th button.sort")
    cells = lambda: [  # noqa: E731
        td.text
        for td in driver.find_elements(By.CSS_SELECTOR, "table.results-table tbody td .literal")
    ]
    assert cells() == ["3", "10", "1", "2"]
    header.click()
    assert cells() == ["1", "2", "3", "10"]
    assert (
        driver.find_element(By.CSS_SELECTOR, "table.results-table th").get_attribute("aria-sort")
        == "ascending"
    )
    header.click()
    assert cells() == ["10", "3", "2", "1"]


def test_a_syntax_error_is_marked_in_the_editor(server, browser):
    driver = browser("en")
    driver.get(server + PAGES["sparql-error"])
    editor = _editor(driver)
    mark = WebDriverWait(driver, WAIT).until(
        lambda d: editor.find_element(By.CSS_SELECTOR, ".cm-lintRange-error")
    )
    line = driver.execute_script(
        "const lines = [...arguments[0].getRootNode().querySelectorAll('.cm-line')];"
        "return lines.findIndex(l => l.contains(arguments[0])) + 1;",
        mark,
    )
    assert line == 3
    assert editor.find_elements(By.CSS_SELECTOR, ".cm-lint-marker-error")


def test_without_javascript_the_plain_form_runs(server, no_script_browser):
    driver = no_script_browser
    driver.get(server + "/sparql")
    textarea = _wait(driver, "textarea#query")
    textarea.clear()
    textarea.send_keys(SELECT)
    driver.find_element(By.CSS_SELECTOR, "form.query-form button[type=submit]").click()
    table = _wait(driver, "table.results-table")
    assert table.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert not driver.find_elements(By.CSS_SELECTOR, "div.editor")


def test_a_canned_querys_parameter_form_runs_with_the_value(server, browser):
    driver = browser("en")
    driver.get(server + "/queries/shared-duty-areas")
    field = _wait(driver, "form.parameters input[name=turkish]")
    field.send_keys("position-type/tr-bb-genel-sekreter")
    driver.find_element(By.CSS_SELECTOR, "form.parameters button[type=submit]").click()
    _wait(driver, "table.results-table")
    assert driver.current_url.endswith("?turkish=position-type%2Ftr-bb-genel-sekreter")
    assert "tr-bb-genel-sekreter" in driver.find_element(By.CSS_SELECTOR, "pre code").text
