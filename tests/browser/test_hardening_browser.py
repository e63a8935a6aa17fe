"""Under attack, the server keeps serving: a zip bomb and hostile links in one tab, the first page in another."""

from __future__ import annotations

import pytest

from tests.browser.conftest import new_tab, screenshot
from tests.test_hardening import _hostile_links, _zip_bomb

pytestmark = pytest.mark.browser


def _first_page_serves(visitor, app_url: str) -> None:
    """The first page (Portuguese) opens to its last element."""
    visitor.goto(f"{app_url}/?lang=pt")
    visitor.get_by_text("Comece pelos dados").first.wait_for()


def test_first_page_keeps_serving_while_hostile_inputs_arrive(browser, app_url, tmp_path):
    # What hostile inputs cost the first page in time is for bench/; here: that it is served
    # to a visitor in between, and that each hostile input ends in a message.
    attacker, visitor = new_tab(browser, "en-US"), new_tab(browser, "pt-BR")
    bomb = tmp_path / "innocent.keras"
    _zip_bomb(bomb)  # 2 MB on disk, 2 GiB unpacked

    attacker.goto(f"{app_url}/runs?lang=en")
    attacker.get_by_text("Open a Keras model (.keras)").first.click()
    attacker.locator("input[type=file]").first.set_input_files(str(bomb))
    _first_page_serves(visitor, app_url)
    attacker.get_by_text("refused without opening it").wait_for()
    screenshot(attacker, "hardening-bomb-refused-en")

    for case, token in _hostile_links().items():
        attacker.goto(f"{app_url}/architecture?lang=en&model={token}", wait_until="commit")
        _first_page_serves(visitor, app_url)
        error = attacker.locator("[data-testid=stAlertContentError]").first
        error.wait_for()
        assert error.inner_text().strip(), case
        assert not attacker.get_by_text("Traceback").count(), case
    attacker.context.close()
    visitor.context.close()
