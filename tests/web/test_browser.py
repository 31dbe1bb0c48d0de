"""End to end in headless Chromium: the served pages as a reader's browser shows them.

A real server (``municipal-roles serve --dev``) runs on a free loopback port over the test
snapshot; Chromium (Debian's ``chromium`` and ``chromium-driver``) loads the landing page
and a position type's page in English and in Turkish, runs the query form, and checks that
a phone-sized window needs no sideways scrolling.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rdflib import RDF, SKOS, Graph, Literal, URIRef
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from publisher.build.snapshot import Snapshot
from publisher.rdf.namespaces import ID_BASE, MR

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
WAIT = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"the server did not answer {url} within {WAIT} s")


@pytest.fixture(scope="module")
def server(snapshot_home: Path) -> Iterator[str]:
    """The publisher, as its users start it, on a free loopback port."""
    port = _free_port()
    # The console script of the Python running the tests, else the first on PATH.
    command = shutil.which(
        "municipal-roles",
        path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    )
    assert command, "the municipal-roles console script is not installed"
    process = subprocess.Popen(
        [command, "serve", "--dev", "--port", str(port), "--home", str(snapshot_home)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Its own process group, so that the query workers it starts stop with it.
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base + "/", process, time.monotonic() + WAIT)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], WebDriver]]:
    """Start headless Chromium whose reader prefers a language; each gets a fresh profile."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.fail("headless tests need Chromium: apt-get install -y chromium chromium-driver")
    started: list[WebDriver] = []

    def start(language: str) -> WebDriver:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium')}")
        options.add_argument(f"--lang={language}")
        options.add_experimental_option("prefs", {"intl.accept_languages": language})
        driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
        driver.set_page_load_timeout(WAIT)
        started.append(driver)
        return driver

    yield start
    for driver in started:
        driver.quit()


@pytest.fixture(scope="module")
def position(snapshot: Snapshot) -> tuple[str, dict[str, str]]:
    """A position type's local path and its English and Turkish labels."""
    dataset = Graph().parse(snapshot.dump_path("all", "nt"), format="nt")
    for iri in sorted(dataset.subjects(RDF.type, MR.PositionType)):
        labels: dict[str, str] = {
            str(label.language): str(label)
            for label in dataset.objects(URIRef(iri), SKOS.prefLabel)
            if isinstance(label, Literal) and label.language in ("en", "tr")
        }
        if str(iri).startswith(ID_BASE) and set(labels) == {"en", "tr"}:
            return "/id/" + str(iri)[len(ID_BASE) :], labels
    pytest.fail("no position type with en and tr labels")


def _heading(driver: WebDriver) -> str:
    return (
        WebDriverWait(driver, WAIT)
        .until(expected_conditions.visibility_of_element_located((By.TAG_NAME, "h1")))
        .text
    )


def test_the_landing_page_loads_with_its_counts(server, browser, snapshot):
    driver = browser("en")
    driver.get(server + "/")
    assert _heading(driver) == "Municipal government roles"
    counts = driver.find_element(By.CSS_SELECTOR, "ul.counts").text
    assert f"{snapshot.manifest.triples.all:,}" in counts
    # The stylesheet came from this server and applied (no CDN needed).
    header = driver.find_element(By.CSS_SELECTOR, "header.site")
    assert header.value_of_css_property("display") == "flex"


@pytest.mark.parametrize("language", ["en", "tr"])
def test_a_position_page_shows_labels_in_the_browsers_language(server, browser, position, language):
    path, labels = position
    driver = browser(language)
    driver.get(server + path)
    assert _heading(driver) == labels[language]
    assert driver.find_element(By.TAG_NAME, "h1").get_attribute("lang") == language


def test_the_query_form_shows_results(server, browser, position):
    path, labels = position
    driver = browser("en")
    driver.get(server + "/")
    driver.find_element(By.CSS_SELECTOR, "form.query-form button[type=submit]").click()
    table = WebDriverWait(driver, WAIT).until(
        expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, "table.results-table"))
    )
    rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert rows
    links = {a.get_attribute("pathname") for a in table.find_elements(By.TAG_NAME, "a")}
    assert path in links
    assert labels["en"] in table.text


def test_a_position_page_fits_a_phone(server, browser, position):
    path, _ = position
    driver = browser("en")
    driver.set_window_size(390, 844)
    driver.get(server + path)
    _heading(driver)
    overflow = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1
