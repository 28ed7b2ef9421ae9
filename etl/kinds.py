"""The input kinds (customers, payments), each declared once: its columns, their aliases, type and rules.

Reading (header matching), validation, the staging frames and the quarantine derive from these
declarations: a new optional column is one `Column(...)` here plus its migration.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One column of an export: canonical name, the headers it comes under, its type and rules.

    `type` picks the parser: id/text (stripped text), office (a known office code), date, period,
    amount, customer_type. `max_length` is the warehouse column's size. `distinct` parses once per
    distinct value (a month's payments have ~30 dates). `empty` is what an empty optional cell stores.
    `stored` is the warehouse column the value lands in (a key into another table for some).
    """

    name: str
    aliases: tuple[str, ...]
    type: str = "text"
    required: bool = False
    max_length: int | None = None
    distinct: bool = False
    empty: object = None
    stored: str = ""

    def __post_init__(self) -> None:
        if not self.stored:
            object.__setattr__(self, "stored", self.name)


@dataclass(frozen=True)
class Kind:
    """An input kind: its columns in the order the warehouse stores them, and the key rows merge on."""

    name: str
    key: str
    columns: tuple[Column, ...]

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if not c.required)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def stored(self) -> list[str]:
        """The warehouse columns a file of this kind writes (plus the load run), key first."""
        return [c.stored for c in self.columns] + ["load_run_id"]


CUSTOMERS = Kind(
    "customers",
    key="customer_id",
    columns=(
        Column("customer_id", ("MA_KHANG", "ma_kh", "Mã khách hàng"), "id", required=True, max_length=40),
        Column("office_code", ("MA_DVIQLY", "dien_luc", "Mã đơn vị"), "office", required=True),
        Column(
            "commune", ("TEN_XA", "xa_phuong", "Xã/Phường"), max_length=200, empty="", stored="commune_id"
        ),
        Column("customer_type", ("LOAI_KH", "Loại khách hàng"), "customer_type", empty="other"),
        Column("name", ("TEN_KHANG", "Tên khách hàng"), max_length=200),
        Column("address", ("DIA_CHI", "Địa chỉ"), max_length=400),
        Column("phone", ("SO_DTHOAI", "Số điện thoại"), max_length=40),
        Column("contract_start", ("NGAY_HLUC", "Ngày hiệu lực"), "date", required=True, distinct=True),
        Column("contract_end", ("NGAY_HET_HLUC", "Ngày hết hiệu lực"), "date", distinct=True),
    ),
)

PAYMENTS = Kind(
    "payments",
    key="payment_id",
    columns=(
        Column("payment_id", ("MA_GD", "so_gd", "Mã giao dịch"), "id", max_length=64),
        Column(
            "customer_id", ("MA_KHANG", "ma_kh", "Mã khách hàng"), "id", required=True, stored="customer_key"
        ),
        Column("bill_period", ("KY_HD", "THANG_NAM", "Kỳ hóa đơn"), "period", required=True, distinct=True),
        Column("paid_at", ("NGAY_TT", "Ngày thanh toán"), "date", required=True, distinct=True),
        Column("amount", ("SO_TIEN", "Số tiền"), "amount", required=True),
        Column(
            "channel",
            ("KENH_TT", "noi_thu", "Kênh thanh toán"),
            required=True,
            max_length=200,
            distinct=True,
            stored="channel_name_id",
        ),
    ),
)

KINDS = {kind.name: kind for kind in (CUSTOMERS, PAYMENTS)}
# A numbering column ("STT", "TT") and other unmatched headers are ignored. Totals rows start with
# these words (folded): the first ones followed by anything, the short ones alone or before ':', '(' or
# a number (so "Công ty ..." is no total).
FOOTER_WORDS = ("tong cong", "tong so", "cong tong")
SHORT_FOOTER_WORDS = ("tong", "cong")


def kind_of(name: str) -> Kind:
    """The declared kind called `name` (KeyError for an unknown one)."""
    return KINDS[name]
