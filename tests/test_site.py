"""The leaderboard site, built from committed board CSVs and opened in headless Chromium.

The browser tests skip (with the reason) where Chromium, its driver or Selenium is missing, and fail
instead under ``ARCHBENCH_REQUIRE_BROWSER=1`` (CI installs the browser). The site is built from a
handful of committed boards so the whole module takes seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

import pandas as pd
import pytest

from bench.site import build_site
from bench.site.cards import covered
from bench.site.catalog import latency_setting

REPO = Path(__file__).resolve().parents[1]
COMMITTED = REPO / "leaderboards"
BOARDS = ("nb201-latency/help/latency_eyeriss", "nb201-latency/help/latency_titan_rtx_256",
          "nasbench-graph/cora/valid_acc", "naslib-zc/nb201-cifar10/val_acc")
SEARCH = "search/nasbench-graph/cora"
TRANSFER = "transfer/help-nb201"
EVIL_NAME = "<script>alert(1)</script>"
EVIL_VALUE = '"><img src=x onerror=alert(1)>'
EVIL_CARD = f"# Dataset card: `evil/table`\n\n{EVIL_NAME} {EVIL_VALUE} [click](javascript:alert(1))\n"


def make_site(root: Path) -> Path:
    """A small leaderboard folder from committed files, plus a board and card full of markup."""
    out, data = root / "lb", root / "data"
    for rel in BOARDS:
        for ext in (".csv", ".png"):
            dest = out / f"{rel}{ext}"
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(COMMITTED / f"{rel}{ext}", dest)
    shutil.copytree(COMMITTED / SEARCH, out / SEARCH)
    shutil.copytree(COMMITTED / TRANSFER, out / TRANSFER)
    shutil.copytree(COMMITTED / "ranks", out / "ranks")
    evil = pd.read_csv(COMMITTED / "nasbench-graph/cora/valid_acc.csv")
    evil = evil.assign(benchmark="evil/table")
    largest = evil[evil["train_size"] == evil["train_size"].max()]
    first = evil["predictor"] == largest.sort_values("rank")["predictor"].iloc[0]  # shown on the landing page
    evil.loc[first, "predictor"] = EVIL_NAME
    evil.loc[first, "params"] = json.dumps({"alpha": EVIL_VALUE})
    (out / "evil" / "table").mkdir(parents=True)
    evil.to_csv(out / "evil" / "table" / "valid_acc.csv", index=False)
    (data / "evil").mkdir(parents=True)
    (data / "evil" / "table.md").write_text(EVIL_CARD)
    build_site(out, cards_dir=REPO / "datasets", data_dir=data)
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_site(tmp_path_factory.mktemp("site"))


# -- without a browser ------------------------------------------------------------------------------
def test_latency_settings_are_parsed_from_target_names() -> None:
    st = latency_setting("latency_titan_rtx_256")
    assert (st.device, st.kind, st.batch_size) == ("NVIDIA Titan RTX", "gpu", 256)
    assert latency_setting("latency_eyeriss").batch_size is None and latency_setting("latency_eyeriss").kind == "asic"
    assert (latency_setting("latency_mychip_8").device, latency_setting("latency_mychip_8").batch_size) == ("mychip", 8)
    assert latency_setting("valid_acc") is None and latency_setting("latency") is None


def test_card_titles_cover_the_benchmarks_they_name() -> None:
    assert covered("# Dataset card: `{nb201, fbnet}-latency/help` (HELP)") == ["nb201-latency/help",
                                                                              "fbnet-latency/help"]
    assert covered("# Dataset card: `nasbench-graph/<dataset>`") == ["nasbench-graph/*"]
    assert covered("# Importing your own benchmark") == []


def test_site_pages_hold_the_board_and_inert_user_strings(site: Path) -> None:
    index = (site / "index.html").read_text()
    for rel in BOARDS:
        assert f'href="{rel}.html"' in index
    for section in ("NAS-Bench-Graph", "Latency · NB201 (HELP)", "NASLib zero-cost · nb201", "Imported tables",
                    "Search boards", "Transfer boards"):
        assert f">{section}</h2>" in index
    assert f'href="{SEARCH}/index.html"' in index and f'href="{TRANSFER}/index.html"' in index
    transfer = (site / TRANSFER / "index.html").read_text()
    assert "<img src=\"summary.png\"" in transfer and "<th>predictor</th>" in transfer
    assert "href=\"../index.html\">transfer</a>" in transfer  # back to the transfer index
    board = (site / "nb201-latency/help/latency_eyeriss.html").read_text()
    csv = pd.read_csv(site / "nb201-latency/help/latency_eyeriss.csv")
    best = csv[csv["train_size"] == csv["train_size"].max()].sort_values("rank").iloc[0]
    assert f"{best['kendall_tau_mean']:.3f} ± {best['kendall_tau_ci95']:.3f}" in board
    assert 'href="latency_eyeriss.csv" download' in board and "Dataset card: <code>{nb201, fbnet, ofa}" in board
    assert '<dt>alphas</dt>' in board and 'href="../index.html"' in board and 'rel="next"' in board
    latency = (site / "nb201-latency/latency.html").read_text()
    assert "<th>device</th>" in latency and "<td>NVIDIA Titan RTX</td>" in latency and "<td>256</td>" in latency
    evil = (site / "evil/table/valid_acc.html").read_text() + (site / "index.html").read_text()
    assert "<script>alert" not in evil and "<img src=x" not in evil and 'href="javascript' not in evil
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in evil and "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in evil


def test_building_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    out = make_site(tmp_path)
    first = {p: p.read_bytes() for p in out.rglob("*.html")}
    build_site(out, cards_dir=REPO / "datasets", data_dir=tmp_path / "data")
    assert first and {p: p.read_bytes() for p in out.rglob("*.html")} == first


@pytest.mark.slow
def test_an_installed_wheel_builds_the_same_site(site: Path, tmp_path: Path) -> None:
    """Templates, style and script ship as package data: the wheel alone renders identical pages."""
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(wheels), str(REPO)], check=True, capture_output=True, timeout=300)
    (wheel,) = wheels.glob("archbench-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"bench/site/templates/board.html", "bench/site/static/site.js", "bench/site/static/site.css"} <= names
    installed = tmp_path / "installed"
    zipfile.ZipFile(wheel).extractall(installed)
    out = tmp_path / "copy"
    shutil.copytree(site, out, ignore=shutil.ignore_patterns("*.html", "static"))
    code = ("import sys, bench.site; from bench.site import build_site; "
            f"assert bench.site.__file__.startswith({str(installed)!r}), bench.site.__file__; "
            f"build_site({str(out)!r}, cards_dir={str(REPO / 'datasets')!r}, data_dir={str(site.parent / 'data')!r})")
    env = {**os.environ, "PYTHONPATH": str(installed)}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, env=env, timeout=300)
    mine = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.suffix in (".html", ".css", ".js")}
    theirs = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.suffix in (".html", ".css", ".js")}
    assert mine and theirs == mine


# -- in Chromium ------------------------------------------------------------------------------------
def _browser_or_skip():  # type: ignore[no-untyped-def]
    """A headless Chromium driven by Selenium, or a skip that says what is missing."""
    missing = []
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing.append("the selenium package (pip install -e '.[dev]')")
    binary = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)),
                  None)
    driver = shutil.which("chromedriver")
    if binary is None or driver is None:
        missing.append("chromium and chromedriver (apt-get install chromium chromium-driver)")
    if missing:
        reason = "browser test needs " + " and ".join(missing)
        if os.environ.get("ARCHBENCH_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason}; ARCHBENCH_REQUIRE_BROWSER=1 forbids skipping", pytrace=False)
        pytest.skip(reason)
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--allow-file-access-from-files"):
        options.add_argument(arg)
    options.binary_location = binary
    options.set_capability("unhandledPromptBehavior", "ignore")
    browser = webdriver.Chrome(service=Service(driver), options=options)
    # every page records alert() calls instead of showing them, so a script that ran leaves a trace
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {
        "source": "window.__alerts = []; window.alert = function (m) { window.__alerts.push(String(m)); };"})
    return browser


@pytest.fixture(scope="module")
def browser() -> Iterator:  # type: ignore[type-arg]
    b = _browser_or_skip()
    try:
        yield b
    finally:
        b.quit()


def _open(browser, path: Path, width: int = 1200) -> None:  # type: ignore[no-untyped-def]
    browser.set_window_size(width, 900)
    browser.get(path.resolve().as_uri())
    for _ in range(50):  # the table script runs on DOMContentLoaded; images fail or load asynchronously
        if browser.execute_script("return document.readyState") == "complete":
            break
        time.sleep(0.1)


def _column(browser, table, index: int) -> list[str]:  # type: ignore[no-untyped-def]
    return browser.execute_script(
        "return Array.from(arguments[0].tBodies[0].rows).filter(r => !r.hidden)"
        ".map(r => r.cells[arguments[1]].textContent.trim());", table, index)


def test_tables_sort_and_filter_in_the_browser(site: Path, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    _open(browser, site / "nb201-latency/help/latency_eyeriss.html")
    table = browser.find_elements(By.CSS_SELECTOR, "section.board table")[-1]  # all metrics at the largest size
    headers = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
    names = _column(browser, table, 1)
    assert names != sorted(names)  # ranked by tau, not by name: sorting must change the order
    table.find_elements(By.CSS_SELECTOR, "thead th")[1].click()
    assert _column(browser, table, 1) == sorted(names)
    table.find_elements(By.CSS_SELECTOR, "thead th")[1].click()
    assert _column(browser, table, 1) == sorted(names, reverse=True)
    tau = headers.index("Kendall τ")
    table.find_elements(By.CSS_SELECTOR, "thead th")[tau].click()
    values = [float(v.split(" ")[0]) for v in _column(browser, table, tau)]
    assert values == sorted(values) and len(values) == len(names)
    box = table.find_element(By.XPATH, "../preceding-sibling::div[@class='table-tools'][1]/input")
    box.send_keys("xgb")
    assert _column(browser, table, 1) == ["xgb"]
    assert browser.execute_script("return arguments[0].nextSibling.textContent", box) == f"1 of {len(names)} rows"
    box.clear()
    box.send_keys("-")  # clear() fires no input event; typing does
    box.send_keys("\b")
    assert len(_column(browser, table, 1)) == len(names)
    shots = Path(os.environ.get("ARCHBENCH_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(shots / "board.png"))


def test_every_link_resolves_and_pages_fit_420px(site: Path, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Crawl from the landing page: every link and image points at a file that exists (HTML pages
    are opened in turn, anchors must exist there), and no page scrolls sideways at 420 px."""
    seen: set[Path] = set()
    todo, broken, wide = [site / "index.html"], [], []
    while todo:
        page = todo.pop()
        if page in seen:
            continue
        seen.add(page)
        _open(browser, page, 420)
        if browser.execute_script("return document.documentElement.scrollWidth") > 420:
            wide.append(page)
        links = browser.execute_script("return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
        images = browser.execute_script(
            "return Array.from(document.images).map(i => [i.src, i.complete && i.naturalWidth > 0])")
        broken += [f"{page}: image {src}" for src, ok in images if not ok]
        for href in links:
            url = urlparse(href)
            if url.scheme != "file":
                broken.append(f"{page}: {href} leaves the site")
                continue
            target = Path(unquote(url.path))
            if not target.is_file() or site.resolve() not in target.resolve().parents:
                broken.append(f"{page}: {href}")
            elif target.suffix == ".html":
                if url.fragment and target == page.resolve():
                    if not browser.execute_script("return !!document.getElementById(arguments[0])", url.fragment):
                        broken.append(f"{page}: #{url.fragment}")
                todo.append(target)
    pages = {p.resolve() for p in site.rglob("*.html")}
    assert not broken and not wide
    assert pages == seen  # every page is reachable from the landing page
    shots = Path(os.environ.get("ARCHBENCH_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    _open(browser, site / "index.html", 420)
    assert browser.save_screenshot(str(shots / "index-420px.png"))


def test_user_strings_run_no_script_in_the_browser(site: Path, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    control = tmp_path / "control.html"  # the same payload unescaped: the alert hook must catch it
    control.write_text(f"<!DOCTYPE html><p>{EVIL_NAME}{EVIL_VALUE}</p>")
    _open(browser, control)
    time.sleep(0.3)
    assert browser.execute_script("return window.__alerts") == ["1", "1"]
    for page in (site / "evil/table/valid_acc.html", site / "index.html", site / "evil/index.html"):
        _open(browser, page)
        time.sleep(0.3)  # an <img onerror> fires after the failed load
        assert browser.execute_script("return window.__alerts") == [], page
        assert browser.find_elements(By.CSS_SELECTOR, "main script, main img[src='x']") == []
        assert EVIL_NAME in browser.find_element(By.TAG_NAME, "main").text
    _open(browser, site / "evil/table/valid_acc.html")
    text = browser.find_element(By.CSS_SELECTOR, "section.configs").text + \
        browser.find_element(By.CSS_SELECTOR, "section.dataset").text
    assert EVIL_VALUE in text and "[click](javascript:alert(1))" in text  # shown, not linked


def test_cli_renders_the_site_from_committed_csvs_without_results(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from bench.cli import main

    out = tmp_path / "lb"
    for rel in BOARDS[:2]:
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(COMMITTED / f"{rel}.csv", out / f"{rel}.csv")
    before = {p: p.read_bytes() for p in out.rglob("*.csv")}
    assert main(["leaderboard", "build", "--from-csv", "--out", str(out), "--cards", str(REPO / "datasets")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("nb201-latency: 2 board(s); best τ at the largest size: ")
    for rel in BOARDS[:2]:
        assert (out / f"{rel}.png").read_bytes()[:4] == b"\x89PNG" and (out / f"{rel}.md").is_file()
    assert (out / "index.html").is_file() and (out / "nb201-latency/latency.html").is_file()
    assert {p: p.read_bytes() for p in out.rglob("*.csv") if p.parent.name != "ranks"} == before  # numbers kept
    assert main(["leaderboard", "build", "--from-csv", "--out", str(out), "--cards", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err.strip().endswith("nope: no such folder")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["leaderboard", "build", "--from-csv", "--out", str(empty)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no board CSVs under" in err and not (empty / "index.html").exists()
