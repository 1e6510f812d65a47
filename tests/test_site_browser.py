"""The site in a real browser: headless Debian Chromium driven by Selenium, against `kg serve`.

Chromium starts with the flags this machine needs (no sandbox as root, no GPU, no background
networking: the network is closed). Screenshots go to $KG_TEST_ARTIFACTS when it is set (CI
keeps that folder), else to the test's temporary folder; their paths are printed.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_site import (
    CRAFTED_LABEL,
    LI_KENONG_PAGE,
    SEED_KEY,
    build,
    hostile_sources,
    kg_serve,
    make_site,
)

from conftest import ROOT

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,1600"]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.skip("Debian chromium and chromium-driver are not installed (scripts/install-system-deps.sh)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ["KG_TEST_ARTIFACTS"]) if os.environ.get("KG_TEST_ARTIFACTS") \
        else tmp_path_factory.mktemp("artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def walk_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The seed plus a second telegram from Li Kenong, served by `kg serve`."""
    tmp = tmp_path_factory.mktemp("walk")
    (tmp / "src").mkdir()
    extra = tmp / "src" / "901_li-kenong-mao-zedong-1951-08-20.txt"
    extra.write_text(LI_KENONG_PAGE, encoding="utf-8")
    out = build([ROOT / "data", extra], tmp / "out")
    with kg_serve(make_site(out, tmp / "site")) as url:
        yield url


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("hostile-browser")
    sources, authority = hostile_sources(tmp / "src")
    out = build(sources, tmp / "out", "--authority", str(authority))
    with kg_serve(make_site(out, tmp / "site")) as url:
        yield url


def _find(driver, css: str):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    return driver.find_element(By.CSS_SELECTOR, css)


def _find_all(driver, css: str):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    return driver.find_elements(By.CSS_SELECTOR, css)


def _screenshot(driver, folder: Path, name: str) -> Path:  # type: ignore[no-untyped-def]
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(max(height, 800), 6000))
    path = folder / name
    assert driver.save_screenshot(str(path)), path
    driver.set_window_size(1280, 1600)
    print(f"screenshot: {path}")
    return path


def test_walk_from_the_seed_telegram_to_li_kenong_and_on(browser, walk_site: str, artifacts: Path) -> None:
    # the document's IRI path, as a person would type it: kg serve sends the browser to the page
    browser.get(f"{walk_site}document/{SEED_KEY}")
    assert browser.current_url == f"{walk_site}document/{SEED_KEY}/"
    assert _find(browser, "h1").text == "Ciphered Telegram No. 22834, Mao Zedong to Cde. Filippov [Stalin]"
    mentions = _find_all(browser, ".fulltext a.mention")
    assert len(mentions) > 20
    background = mentions[0].value_of_css_property("background-color")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent"), "mentions are not highlighted"
    assert _find(browser, ".fulltext .relayed .relayed-head").text.startswith("Relayed message from Li Kenong")
    shot = _screenshot(browser, artifacts, "site-document-seed.png")
    assert shot.stat().st_size > 50_000

    li = next(m for m in mentions if m.text == "Li Kenong")
    li.click()
    assert browser.current_url == f"{walk_site}person/li-kenong/"
    assert _find(browser, "h1").text == "Li Kenong"
    _screenshot(browser, artifacts, "site-person-li-kenong.png")
    rows = _find_all(browser, ".appearances tbody tr")
    assert [r.find_element("css selector", "td.date").text for r in rows] == ["13 August 1951", "20 August 1951"]

    other = next(a for a in _find_all(browser, ".appearances tbody td a")
                 if a.text == "Telegram, Li Kenong to Mao Zedong")
    other.click()
    assert browser.current_url == f"{walk_site}document/901-li-kenong-mao-zedong-1951-08-20/"
    assert _find(browser, "h1").text == "Telegram, Li Kenong to Mao Zedong"
    assert {a.text for a in _find_all(browser, ".fulltext a.mention")} >= {"Mao Zedong", "Deng Hua", "LI KENONG"}
    # and back to the seed through Mao Zedong's page
    _find(browser, "dl.parties a[href$='person/mao-zedong/']").click()
    assert _find(browser, "h1").text == "Mao Zedong"
    _find(browser, f".appearances a[href$='document/{SEED_KEY}/']").click()
    assert browser.current_url == f"{walk_site}document/{SEED_KEY}/"


def test_network_picture_and_timeline_are_drawn_and_clickable(browser, walk_site: str, artifacts: Path) -> None:
    browser.get(f"{walk_site}index.html")
    images = _find_all(browser, ".pictures img")
    assert len(images) == 2
    for img in images:  # loaded and rendered, not a broken image
        assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img) > 300
    browser.get(f"{walk_site}network.html")
    svg = _find(browser, "svg#network")
    assert svg.is_displayed() and svg.size["width"] > 400
    edges = {(e.get_attribute("data-source"), e.get_attribute("data-target")): int(e.get_attribute("data-weight"))
             for e in _find_all(browser, "svg#network path.edge")}
    assert edges == {("Mao Zedong", "Joseph Stalin"): 1, ("Li Kenong", "Mao Zedong"): 2}
    _screenshot(browser, artifacts, "site-network.png")
    node = _find(browser, "svg#network a[href$='person/li-kenong/'] circle")
    assert node.get_attribute("textContent") == "Li Kenong: 2 messages"  # its tooltip
    node.click()
    assert browser.current_url == f"{walk_site}person/li-kenong/"
    browser.get(f"{walk_site}timeline.html")
    dots = _find_all(browser, "svg#timeline circle")
    assert len(dots) == 2


def test_search_box_finds_people_by_code_name(browser, walk_site: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{walk_site}index.html")
    box = _find(browser, "#q")
    box.send_keys("filippov")
    WebDriverWait(browser, 10).until(lambda d: _find_all(d, "#results li"))
    results = [li.text for li in _find_all(browser, "#results li")]
    assert any(r.startswith("Joseph Stalin") for r in results), results
    next(a for a in _find_all(browser, "#results a") if a.text == "Joseph Stalin").click()
    assert browser.current_url == f"{walk_site}person/joseph-stalin/"
    # the header search on any page leads to the index with the query filled in
    field = _find(browser, "header form.search input")
    field.send_keys("kenong\n")
    WebDriverWait(browser, 10).until(lambda d: _find_all(d, "#results li"))
    assert _find(browser, "#q").get_attribute("value") == "kenong"
    assert "Li Kenong" in [a.text for a in _find_all(browser, "#results a")]


def test_script_in_a_document_does_not_run_and_shows_as_text(browser, hostile_url: str, artifacts: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get_log("browser")  # drop what earlier tests logged
    browser.get(f"{hostile_url}document/900-hostile/")
    text = _find(browser, ".fulltext")
    assert '<script>window.pwned=1</script> and <b>bold</b> and <img src=x onerror="window.pwned=2">' in text.text
    assert browser.execute_script("return typeof window.pwned") == "undefined"
    assert text.find_elements("css selector", "b, img, script") == []
    assert browser.execute_script("return document.scripts.length") == 0
    assert "A summary with <script>window.pwned=3</script> in it." in _find(browser, "section.summary").text
    _screenshot(browser, artifacts, "site-document-hostile.png")
    # the crafted name: on its own page, in the search results, in the network picture
    browser.get(f"{hostile_url}person/crafted-agent/")
    assert _find(browser, "h1").text == CRAFTED_LABEL
    assert "<script>pwn7()</script>" in _find(browser, "dl.names").text
    browser.get(f"{hostile_url}index.html")
    _find(browser, "#q").send_keys("crafty")
    WebDriverWait(browser, 10).until(lambda d: _find_all(d, "#results li"))
    assert CRAFTED_LABEL in [a.text for a in _find_all(browser, "#results a")]
    browser.get(f"{hostile_url}network.html")
    shown = [t.text for t in _find_all(browser, "svg#network text")]
    assert CRAFTED_LABEL[:31] + "…" in shown  # long labels are shortened in the picture...
    tooltips = [t.get_attribute("textContent") for t in _find_all(browser, "svg#network circle")]
    assert f"{CRAFTED_LABEL}: 1 message" in tooltips  # ...and whole in the tooltip
    assert browser.execute_script("return typeof window.pwned") == "undefined"
    # nothing was even attempted: the CSP would have logged a blocked inline script or handler
    blocked = [e["message"] for e in browser.get_log("browser") if "Content Security Policy" in e["message"]]
    assert not blocked, blocked
