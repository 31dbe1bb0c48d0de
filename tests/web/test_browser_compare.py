"""/compare and /search in headless Chromium (issue 17, items 3, 6 and 10): each fits a
phone and a desk with no serious or critical axe-core violation, in English and Turkish;
a quote opens on demand; the picker on a position type's page leads to the comparison;
the header's search box leads to the hits. Screenshots go where test_browser_query.py
puts its own (``screenshots/`` of the session's temporary folder, or
$MUNICIPAL_ROLES_SCREENSHOTS)."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from test_browser import browser, server
from test_browser_query import SIZES, _axe, _wait, screenshots

pytestmark = pytest.mark.slow

__all__ = ["browser", "screenshots", "server"]  # fixtures of the other browser tests
PAGES = {
    "compare": "/compare?a=us-city-manager&b=tr-genel-sekreter",
    "compare-three": (
        "/compare?a=us-assistant-city-manager&b=tr-bb-genel-sekreter-yardimcisi"
        "&c=us-deputy-city-manager"
    ),
    "compare-picker": "/compare?a=us-mayor",
    "search": "/search?q=genel+sekreter",
}


# Each page at the widths and in the languages where it could break (long Turkish labels,
# three columns on a phone), not every combination: axe-core takes seconds per page.
VIEWS = [
    ("compare", "desktop", "en"),
    ("compare", "phone", "en"),
    ("compare", "phone", "tr"),
    ("compare-three", "phone", "en"),
    ("compare-picker", "phone", "tr"),
    ("search", "desktop", "en"),
    ("search", "phone", "tr"),
]


@pytest.fixture(scope="module")
def reader(browser):
    """One Chromium per language for the whole module (each start costs seconds)."""
    started = {}

    def get(language):
        if language not in started:
            started[language] = browser(language)
        return started[language]

    return get


@pytest.mark.parametrize(("page", "size", "language"), VIEWS)
def test_each_page_fits_and_passes_axe(server, reader, screenshots, page, size, language):
    driver = reader(language)
    driver.set_window_size(*SIZES[size])
    driver.get(server + PAGES[page])
    _wait(driver, "h1")
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == language
    driver.save_screenshot(str(screenshots / f"{page}-{size}-{language}.png"))
    overflow = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1
    assert _axe(driver) == []


def test_a_quote_opens_on_demand(server, reader):
    driver = reader("en")
    driver.get(server + PAGES["compare"])
    details = _wait(driver, "tr.axis-appointment details")
    quote = details.find_element(By.CSS_SELECTOR, "blockquote")
    assert not quote.is_displayed()
    details.find_element(By.TAG_NAME, "summary").click()
    assert quote.is_displayed()
    assert details.find_element(By.CSS_SELECTOR, "figcaption").text.startswith("Read in:")


def test_the_picker_on_a_position_page_opens_the_comparison(server, reader):
    driver = reader("en")
    driver.set_window_size(*SIZES["desktop"])
    driver.get(server + "/id/position-type/us-city-manager")
    Select(_wait(driver, "form.compare-picker select[name=b]")).select_by_value(
        "tr-bb-genel-sekreter"
    )
    driver.find_element(By.CSS_SELECTOR, "form.compare-picker button[type=submit]").click()
    table = _wait(driver, "table.compare")
    assert (
        "a=us-city-manager" in driver.current_url and "b=tr-bb-genel-sekreter" in driver.current_url
    )
    headers = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
    assert headers[1].startswith("City Manager")
    assert headers[2].startswith("Secretary General (metropolitan municipality)")


def test_the_header_search_box_finds_a_position(server, reader):
    driver = reader("tr")
    driver.set_window_size(*SIZES["phone"])
    driver.get(server + "/")
    field = _wait(driver, "header form.site-search input[name=q]")
    field.send_keys("ŞEHİR YÖNETİCİSİ")
    driver.find_element(By.CSS_SELECTOR, "header form.site-search button").click()
    _wait(driver, "ul.hits")
    links = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "ul.hits a")]
    assert "Şehir Yöneticisi" in links
