"""The bulk write path: reserved keys are never handed out twice, rows go in with them, updates touch only the
rows named (on both databases, each with its own statements)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError

from tuopin.areas.models import Area, AreaYear
from tuopin.core.bulk import insert_rows, reserve_ids, update_rows

pytestmark = pytest.mark.django_db


def test_reserved_ids_are_new_and_never_reused(tree: dict[str, Area]) -> None:
    first = AreaYear.objects.create(area=tree["130126"], year=2014)
    with transaction.atomic():
        ids = reserve_ids(AreaYear, 3)
        assert ids == sorted(ids) and len(set(ids)) == 3 and min(ids) > first.pk
        inserted = insert_rows(
            AreaYear,
            [
                {"id": pk, "area_id": "130126", "year": 2015 + n, "rural_population": n}
                for n, pk in enumerate(ids)
            ],
            pk=True,
        )
        assert inserted == 3
        again = reserve_ids(AreaYear, 2)
    assert min(again) > max(ids)
    # A record created the ordinary way afterwards takes a key above every reserved one, used or not.
    later = AreaYear.objects.create(area=tree["130126"], year=2030)
    assert later.pk > max(again)
    assert dict(AreaYear.objects.filter(pk__in=ids).values_list("pk", "year")) == {
        ids[0]: 2015,
        ids[1]: 2016,
        ids[2]: 2017,
    }


@pytest.mark.django_db(transaction=True)
def test_reserving_outside_a_transaction_is_refused() -> None:
    with pytest.raises(TransactionManagementError):
        reserve_ids(AreaYear, 1)


def test_update_rows_changes_only_the_named_rows_and_fields(tree: dict[str, Area]) -> None:
    rows = [
        AreaYear.objects.create(area=tree["130126"], year=y, rural_population=100, poor_county=False)
        for y in (2014, 2015, 2016)
    ]
    with transaction.atomic():
        assert (
            update_rows(
                AreaYear,
                ["rural_population", "poor_county"],
                [(rows[0].pk, 7, True), (rows[2].pk, None, None)],
            )
            == 2
        )
    assert list(AreaYear.objects.order_by("year").values_list("rural_population", "poor_county")) == [
        (7, True),
        (100, False),
        (None, None),
    ]
