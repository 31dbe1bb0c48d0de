"""Every kind of page in headless Chromium (issue 17, item 10): in English and Turkish, at a
desk's and a phone's width, no sideways scrolling and no serious or critical axe-core
violation, with a screenshot of each for review (the folder is printed; or
$MUNICIPAL_ROLES_SCREENSHOTS).

The pages are data (``PAGES``): a new kind of page is one line. One server and one browser
serve the whole module; the language is chosen with ``?lang=`` (the site's own switch),
so no browser is started per language.
"""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rdflib import RDFS, SKOS, Graph, URIRef
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.wait import WebDriverWait
from test_browser import CHROMEDRIVER, CHROMIUM, CHROMIUM_FLAGS, WAIT, server
from test_browser_query import SIZES, _axe, _wait, screenshots

from publisher.build.org_charts import read_index
from publisher.build.snapshot import Snapshot
from publisher.rdf.namespaces import ID_BASE

pytestmark = pytest.mark.slow

__all__ = ["screenshots", "server"]  # fixtures of the other browser modules, used by name
LANGUAGES = ("en", "tr")
# Each kind of page: its path; {kind} stands for a resource of that kind found in the data.
PAGES = {
    "home": "/",
    "position-type": "{position-type}",
    "post": "{post}",
    "organization": "{organization}",
    "source": "{source}",
    "queries": "/queries",
    "query": "/queries/pay",
    "sparql": "/sparql",
    "validate-report": "/validate",
    "catalog": "/catalog",
    "void": "/.well-known/void",
    "ontology": "/ontology",
    "compare": "/compare?a=us-city-manager&b=tr-bb-genel-sekreter",
    "search": "/search?q=genel+sekreter",
    "not-found": "/id/position-type/no-such-position",
}
# Pages reached by sending a form: the file uploaded there.
UPLOADS = {
    "validate-report": Path(__file__).parents[1]
    / "validation"
    / "fixtures"
    / "maple-grove-three-mistakes.ttl"
}


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """One headless Chromium for the whole module."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.fail("headless tests need Chromium: apt-get install -y chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-pages')}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(WAIT)
    # axe-core over the ontology's long page takes tens of seconds on a busy machine.
    driver.set_script_timeout(4 * WAIT)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def examples(snapshot: Snapshot) -> dict[str, str]:
    """A labelled resource of each kind the pages need, by its local path; the organization
    is a reference one, whose page has a chart."""
    dataset = Graph().parse(snapshot.dump_path("all", "nt"), format="nt")
    labelled = sorted(
        str(s)
        for s in set(dataset.subjects(SKOS.prefLabel, None)) | set(dataset.subjects(RDFS.label))
        if isinstance(s, URIRef) and str(s).startswith(ID_BASE)
    )
    found = {}
    for kind in ("position-type", "post", "source"):
        iri = next(i for i in labelled if i.startswith(f"{ID_BASE}{kind}/"))
        found[kind] = "/id/" + iri[len(ID_BASE) :]
    organization = next(e["iri"] for e in read_index(snapshot.path) if e["reference"])
    found["organization"] = "/id/" + organization[len(ID_BASE) :]
    return found


def _open(driver: WebDriver, base: str, page: str, path: str, language: str) -> None:
    separator = "&" if "?" in path else "?"
    driver.get(f"{base}{path}{separator}lang={language}")
    if page in UPLOADS:
        form = driver.find_element(By.CSS_SELECTOR, "main form")
        form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(UPLOADS[page]))
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        # The click does not wait for the report: until the form's page is gone, its own h1
        # may be found and then vanish under the driver (CI once failed so).
        WebDriverWait(driver, WAIT).until(_gone(form))
    _wait(driver, "h1")


def _gone(element: WebElement) -> Callable[[WebDriver], bool]:
    """Whether ``element``'s document has been replaced: Chromium says so either as a stale
    element or as a node that 'does not belong to the document'."""

    def predicate(_driver: WebDriver) -> bool:
        try:
            element.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" in (error.msg or ""):
                return True
            raise
        return False

    return predicate


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", PAGES)
def test_every_page_fits_and_passes_axe(
    server, chromium, examples, screenshots, page, language, size
):
    driver = chromium
    if driver.get_window_size() != dict(zip(("width", "height"), SIZES[size], strict=True)):
        driver.set_window_size(*SIZES[size])
    _open(driver, server, page, PAGES[page].format_map(examples), language)
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == language
    driver.save_screenshot(str(screenshots / f"page-{page}-{language}-{size}.png"))
    overflow = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1
    assert _axe(driver) == []


def test_a_box_of_the_org_chart_opens_its_post(server, chromium, examples):
    driver = chromium
    driver.get(server + examples["organization"])
    box = _wait(driver, ".org-chart svg a")
    href = driver.execute_script("return arguments[0].href.baseVal", box)
    box.click()
    _wait(driver, "h1")
    assert driver.current_url == server + href
    assert driver.current_url.startswith(server + "/id/post/")


@pytest.mark.parametrize("start", ["/catalog", "/.well-known/void", "/ontology"])
def test_the_endpoint_links_of_the_description_pages_open_the_query_page(server, chromium, start):
    driver = chromium
    driver.get(server + start + "?lang=en")
    endpoint_links = "main a[href='/sparql'], footer a[href='/sparql']"
    links = driver.find_elements(By.CSS_SELECTOR, endpoint_links)
    assert links
    links[0].click()
    assert _wait(driver, "h1").text == "SPARQL query"
    assert driver.current_url == server + "/sparql"


# Words of the validation report's cells that the layout cut across lines: a word with more
# than one line box (Range.getClientRects). Hyphens, slashes and dots end a word here, as
# places a line may break (an IRI breaks at them).
BROKEN_WORDS = """
const broken = [];
const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
let cells = 0;
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  if (!node.parentElement.closest('.results td') || node.parentElement.closest('code')) continue;
  cells += 1;
  for (const match of node.textContent.matchAll(/[^\\s\\/.:#–—-]+/g)) {
    const range = document.createRange();
    range.setStart(node, match.index);
    range.setEnd(node, match.index + match[0].length);
    const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    if (lines.size > 1) broken.push(match[0]);
  }
}
return [cells, broken];
"""


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_validation_report_keeps_its_words_whole_on_a_phone(server, chromium, language):
    driver = chromium
    driver.set_window_size(*SIZES["phone"])
    _open(driver, server, "validate-report", PAGES["validate-report"], language)
    cells, broken = driver.execute_script(BROKEN_WORDS)
    assert cells >= 9  # three results, each with several cells, were looked at
    assert broken == []
