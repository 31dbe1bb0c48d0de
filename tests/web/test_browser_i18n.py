"""The Turkish pages in headless Chromium (issue 17, items 5 and 7): the language switch
sticks from page to page, /queries fits a phone without breaking a title's word, and a
resource page in Turkish fits a phone and passes axe-core. Screenshots are saved beside
the query pages' (``screenshots/``, or $MUNICIPAL_ROLES_SCREENSHOTS)."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from test_browser import browser, server
from test_browser_query import SIZES, _axe, _wait, screenshots

pytestmark = pytest.mark.slow

__all__ = ["browser", "screenshots", "server"]  # fixtures of the other browser tests
PHONE = (375, 812)
GENEL_SEKRETER = "/id/position-type/tr-genel-sekreter"

# The words of the /queries titles the layout broke across lines: a word whose text has
# more than one line box (Range.getClientRects) was cut inside ("Align ment s"). A dash or
# a slash is a place a line may break, so it ends a word here.
BROKEN_WORDS = """
const broken = [], links = document.querySelectorAll('main table td:first-child a');
for (const link of links) {
  const node = link.firstChild;
  const text = node.textContent;
  for (const match of text.matchAll(/[^\\s\\/–—-]+/g)) {
    const range = document.createRange();
    range.setStart(node, match.index);
    range.setEnd(node, match.index + match[0].length);
    const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    if (lines.size > 1) broken.push(match[0]);
  }
}
return [links.length, broken];
"""
OVERFLOW = "return document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _html_lang(driver: WebDriver) -> str:
    return driver.find_element(By.TAG_NAME, "html").get_attribute("lang") or ""


def test_the_language_switch_sticks_across_pages(server, browser):
    driver = browser("en")
    driver.get(server + "/")
    assert _html_lang(driver) == "en"
    driver.find_element(By.CSS_SELECTOR, "a.language[hreflang=tr]").click()
    _wait(driver, "h1")
    assert _html_lang(driver) == "tr"
    # Pages reached by the site's own links, with no ?lang=, stay Turkish (the cookie).
    driver.find_element(By.CSS_SELECTOR, "nav a[href='/queries']").click()
    assert _wait(driver, "h1").text == "Hazır sorgular"
    assert _html_lang(driver) == "tr"
    driver.get(server + GENEL_SEKRETER)
    assert _wait(driver, "#appointment-heading").text == "Atanma"
    driver.find_element(By.CSS_SELECTOR, "a.language[hreflang=en]").click()
    assert _wait(driver, "#appointment-heading").text == "Appointment"


@pytest.mark.parametrize("lang", ["en", "tr"])
def test_queries_fit_a_phone_and_no_title_breaks_inside_a_word(server, browser, screenshots, lang):
    driver = browser(lang)
    driver.set_window_size(*PHONE)
    driver.get(server + "/queries")
    _wait(driver, "h1")
    driver.save_screenshot(str(screenshots / f"queries-{lang}-phone.png"))
    assert _html_lang(driver) == lang
    assert driver.execute_script(OVERFLOW) <= 1
    titles, broken = driver.execute_script(BROKEN_WORDS)
    assert titles >= 12  # every query's title was looked at
    assert broken == []


@pytest.mark.parametrize("size", SIZES)
def test_a_turkish_resource_page_fits_and_passes_axe(server, browser, screenshots, size):
    driver = browser("tr")
    driver.set_window_size(*(PHONE if size == "phone" else SIZES[size]))
    driver.get(server + GENEL_SEKRETER)
    _wait(driver, "h1")
    driver.save_screenshot(str(screenshots / f"genel-sekreter-tr-{size}.png"))
    assert _html_lang(driver) == "tr"
    assert driver.execute_script(OVERFLOW) <= 1
    assert _axe(driver) == []
