"""Text the model and the outreach lists show people: (Vietnamese, English), Vietnamese first.

The reasons are stored with each score and written into exports, so their words live here, next
to the model, rather than in the dashboard's table; the pages look them up, and their own table, through `text`.
`{months}` is filled with ModelSettings.history_months.
"""

from __future__ import annotations

REASONS = {
    # booleans
    "no_phone": ("Chưa có số điện thoại liên hệ", "No phone number on file"),
    "has_phone": ("Có số điện thoại nhưng vẫn trả tiền mặt", "Has a phone number yet still pays cash"),
    "never_cashless": (
        "Chưa từng thanh toán qua ngân hàng, ví điện tử",
        "Has never paid through a bank or e-wallet",
    ),
    "went_back_to_cash": (
        "Đã dùng ngân hàng/ví rồi quay lại trả tiền mặt",
        "Paid cashless before, then went back to cash",
    ),
    # categories
    "office_slow": ("Địa bàn điện lực chuyển đổi chậm", "District office where adoption is slow"),
    "type_residential": ("Hộ sinh hoạt: nhóm chuyển đổi chậm hơn", "Residential household: slower to switch"),
    "type_business": (
        "Khách hàng kinh doanh: nhóm chuyển đổi chậm hơn",
        "Business customer: slower to switch",
    ),
    "type_public": ("Cơ quan: nhóm chuyển đổi chậm hơn", "Public body: slower to switch"),
    "type_other": ("Nhóm khách hàng khác: chuyển đổi chậm hơn", "Other customer type: slower to switch"),
    # numbers: <feature>_low / <feature>_high, relative to the value typical of households that converted
    "contract_months_high": (
        "Hợp đồng lâu năm, quen trả tiền mặt",
        "Long-standing contract, used to paying cash",
    ),
    "contract_months_low": ("Hợp đồng mới ký", "New contract"),
    "commune_cashless_rate_low": ("Xã có tỷ lệ không dùng tiền mặt thấp", "Commune with a low cashless rate"),
    "commune_cashless_rate_high": (
        "Xã đã chuyển đổi nhiều nhưng hộ này chưa theo",
        "Most of the commune pays cashless, this household not yet",
    ),
    "months_since_slip_low": ("Vừa quay lại trả tiền mặt", "Went back to cash recently"),
    "months_since_slip_high": ("Đã quay lại trả tiền mặt từ lâu", "Went back to cash a long time ago"),
    "payments_6m_low": (
        "Ít lần thanh toán trong {months} tháng qua",
        "Few payments in the last {months} months",
    ),
    "payments_6m_high": ("Thanh toán nhiều lần mỗi kỳ", "Pays several times per bill"),
    "paid_months_6m_low": ("Không thanh toán đều hằng tháng", "Does not pay every month"),
    "paid_months_6m_high": ("Trả tiền mặt đều đặn hằng tháng", "Pays cash every month"),
    "cashless_share_6m_low": (
        "Không có giao dịch không dùng tiền mặt trong {months} tháng qua",
        "No cashless payment in the last {months} months",
    ),
    "cashless_share_6m_high": (
        "Thỉnh thoảng dùng ngân hàng/ví nhưng không duy trì",
        "Pays cashless now and then but does not stay",
    ),
    "counter_share_6m_high": ("Thường trả tiền mặt tại quầy", "Usually pays cash at the counter"),
    "counter_share_6m_low": ("Ít khi trả tại quầy", "Rarely pays at the counter"),
    "collector_share_6m_high": (
        "Thường trả tiền cho nhân viên thu tại nhà",
        "Usually pays the collector at home",
    ),
    "collector_share_6m_low": ("Ít khi trả cho nhân viên thu tại nhà", "Rarely pays the collector at home"),
    "mean_days_late_high": ("Thường thanh toán muộn", "Usually pays late"),
    "mean_days_late_low": ("Thanh toán sớm bằng tiền mặt", "Pays early, in cash"),
    "bill_level_low": ("Hóa đơn tiền điện thấp", "Low electricity bills"),
    "bill_level_high": ("Hóa đơn tiền điện cao", "High electricity bills"),
    "bill_trend_low": ("Hóa đơn gần đây giảm", "Bills fell recently"),
    "bill_trend_high": ("Hóa đơn gần đây tăng", "Bills rose recently"),
    # missing values
    "no_payments_6m": (
        "Không có thanh toán nào trong {months} tháng qua",
        "No payment at all in the last {months} months",
    ),
    "no_recent_payment": ("Không thanh toán trong 3 tháng gần đây", "No payment in the last 3 months"),
}

BANDS = {"high": ("Cao", "High"), "medium": ("Trung bình", "Medium"), "low": ("Thấp", "Low")}

OUTCOMES = {
    "contacted": ("Đã liên hệ", "Contacted"),
    "agreed": ("Đồng ý chuyển đổi", "Agreed"),
    "refused": ("Từ chối", "Refused"),
    "unreachable": ("Không liên lạc được", "Unreachable"),
    "converted": ("Đã chuyển đổi", "Converted"),
}

CUSTOMER_TYPES = {
    "residential": ("Sinh hoạt", "Residential"),
    "business": ("Kinh doanh", "Business"),
    "public": ("Cơ quan", "Public body"),
    "other": ("Khác", "Other"),
}

# Columns of an outreach export, in order; the returned sheet is read back by the same headers.
EXPORT_COLUMNS = {
    "list_id": ("Mã danh sách", "List"),
    "rank": ("STT", "Rank"),
    "customer_id": ("Mã khách hàng", "Customer ID"),
    "name": ("Tên khách hàng", "Name"),
    "address": ("Địa chỉ", "Address"),
    "commune": ("Xã/phường", "Commune"),
    "phone": ("Số điện thoại", "Phone"),
    "customer_type": ("Loại khách hàng", "Customer type"),
    "score": ("Điểm (khả năng chưa chuyển đổi)", "Score (chance of not switching)"),
    "risk_band": ("Mức ưu tiên", "Priority band"),
    "reasons": ("Lý do", "Reasons"),
    "assigned_to": ("Người phụ trách", "Assigned to"),
    "outcome": ("Kết quả", "Outcome"),
}

FEATURE_NAMES = {
    "office_code": ("Điện lực", "District office"),
    "customer_type": ("Loại khách hàng", "Customer type"),
    "has_phone": ("Có số điện thoại", "Has a phone number"),
    "ever_cashless": ("Đã từng không dùng tiền mặt", "Ever paid cashless"),
    "contract_months": ("Số tháng từ khi ký hợp đồng", "Months since contract start"),
    "commune_cashless_rate": ("Tỷ lệ không dùng tiền mặt của xã", "Commune cashless rate"),
    "months_since_slip": ("Số tháng từ khi quay lại tiền mặt", "Months since going back to cash"),
    "payments_6m": ("Số lần thanh toán", "Payments"),
    "paid_months_6m": ("Số tháng có thanh toán", "Months with a payment"),
    "cashless_share_6m": ("Tỷ lệ giao dịch không dùng tiền mặt", "Share of cashless payments"),
    "counter_share_6m": ("Tỷ lệ trả tại quầy", "Share paid at the counter"),
    "collector_share_6m": ("Tỷ lệ trả cho nhân viên thu", "Share paid to the collector"),
    "mean_days_late": ("Số ngày trễ trung bình", "Mean days late"),
    "late_share_6m": ("Tỷ lệ kỳ trả muộn", "Share of late payments"),
    "bill_level": (
        "Mức hóa đơn (so với các hộ khác cùng tháng)",
        "Bill level (against other households that month)",
    ),
    "bill_trend": ("Xu hướng hóa đơn 3 tháng gần đây", "Bill trend, last 3 months"),
}


def text(table: dict, key: str, lang: str = "vi", **values) -> str:
    """The text for `key` in `table` in `lang` ('vi' or 'en'), placeholders filled."""
    vi, en = table[key]
    return (vi if lang == "vi" else en).format(**values)
