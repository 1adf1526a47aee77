"""The registry's fixtures live in the package conftest (tuopin/conftest.py) so other apps' tests can use them."""

from tuopin.conftest import RegisterHousehold

__all__ = ["RegisterHousehold"]
