"""The one text table: every word shown to people, as (Vietnamese, English), Vietnamese first.

`TEXT` holds the pages', the weekly review's and the CLI's labels; the named tables below it hold
the words the model and the outreach lists store or export (reasons, bands, outcomes, customer
types, export headers, feature names). `{months}` in reasons is ModelSettings.history_months.
"""

from __future__ import annotations

LANGUAGES = ("vi", "en")


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


# The pages', the weekly review's and the CLI's labels; words the exports also use are taken from their tables.
TEXT = {
    # app, navigation, sign-in
    "app_title": ("Chuyển đổi thanh toán không dùng tiền mặt", "Cashless payment adoption"),
    "overview": ("Tổng quan", "Overview"),
    "targets": ("Kế hoạch", "Targets"),
    "channels": ("Kênh thanh toán", "Channels & partners"),
    "data_quality": ("Dữ liệu", "Data quality"),
    "section_tracking": ("Theo dõi", "Tracking"),
    "section_outreach": ("Vận động", "Outreach"),
    "section_data": ("Quản trị", "Administration"),
    "language": ("Ngôn ngữ", "Language"),
    "sign_in": ("Đăng nhập", "Sign in"),
    "sign_in_sso": ("Đăng nhập bằng tài khoản công ty", "Sign in with the company account"),
    "sign_out": ("Đăng xuất", "Sign out"),
    "username": ("Tên đăng nhập", "Username"),
    "password": ("Mật khẩu", "Password"),
    "bad_login": ("Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password."),
    "no_account_for_email": (
        "Tài khoản {email} chưa được cấp quyền. Liên hệ quản trị viên.",
        "{email} has no access yet. Ask an administrator.",
    ),
    "no_users": (
        "Chưa có tài khoản nào. Tạo quản trị viên: `cashless users add TÊN --role admin` (hoặc chạy `cashless demo`).",
        "No accounts yet. Create an administrator: `cashless users add NAME --role admin` (or run `cashless demo`).",
    ),
    "signed_in_as": ("{user} · {role}", "{user} · {role}"),
    "role_admin": ("quản trị", "admin"),
    "role_executive": ("lãnh đạo", "executive"),
    "role_planner": ("kế hoạch vận động", "planner"),
    "role_manager": ("điện lực {office}", "office {office}"),
    # shared filters and messages
    "as_of": ("Đến ngày", "As of"),
    "office": FEATURE_NAMES["office_code"],
    "commune": EXPORT_COLUMNS["commune"],
    "all_communes": ("Tất cả xã/phường", "All communes"),
    "office_code": ("Mã đơn vị", "Office code"),
    "all_offices": ("Toàn tỉnh", "Whole province"),
    "no_data": (
        "Chưa có dữ liệu. Chạy `cashless demo` (dữ liệu mẫu) hoặc `cashless load customers|payments TỆP...`.",
        "No data yet. Run `cashless demo` (demo province) or `cashless load customers|payments FILE...`.",
    ),
    "no_schema": (
        "Cơ sở dữ liệu chưa được khởi tạo hoặc đã cũ: chạy `cashless db upgrade`.",
        "The database has no schema or an old one: run `cashless db upgrade`.",
    ),
    "db_unreachable": (
        "Không kết nối được cơ sở dữ liệu ({url}). Kiểm tra DATABASE_URL.",
        "Cannot reach the database ({url}). Check DATABASE_URL.",
    ),
    "download_csv": ("Tải CSV", "Download CSV"),
    "stale": (
        "Dữ liệu nạp từ ngày {day} đang được tổng hợp: số liệu hiển thị chưa gồm phần này. "
        "Nếu thông báo còn sau khi nạp xong, chạy `cashless db refresh`.",
        "Data loaded from {day} on is being summarised: the figures shown do not include it yet. "
        "If this stays after the load has finished, run `cashless db refresh`.",
    ),
    "not_allowed": ("Bạn không có quyền xem trang này.", "You may not open this page."),
    # figures
    "cashless_customers": ("Khách hàng không dùng tiền mặt", "Cashless customers"),
    "card_cashless": ("KH không tiền mặt", "Cashless customers"),
    "card_rate": ("Tỷ lệ", "Cashless rate"),
    "card_active": ("KH đang hoạt động", "Active customers"),
    "card_value_rate": ("Tỷ lệ theo giá trị", "Share of VND"),
    "week_short": ("7 ngày", "7 days"),
    "active_customers": ("Khách hàng đang hoạt động", "Active customers"),
    "cashless_rate": ("Tỷ lệ không dùng tiền mặt", "Cashless rate"),
    "value_rate": ("Tỷ lệ giá trị không dùng tiền mặt", "Cashless share of VND"),
    "value_rate_help": (
        "Số tiền thanh toán không dùng tiền mặt / tổng số tiền, từ đầu tháng đến ngày đã chọn.",
        "Cashless amount / total amount paid, from the first of the month to the chosen day.",
    ),
    "since_week": ("so với 7 ngày trước", "vs 7 days before"),
    "since_month": ("so với 1 tháng trước", "vs a month before"),
    "change_month": ("Thay đổi 1 tháng", "Change, 1 month"),
    "cashless_change_week": ("Thay đổi KH, 7 ngày", "Customers, 7-day change"),
    "rate_change_week": ("Thay đổi tỷ lệ, 7 ngày", "Rate, 7-day change"),
    "cashless_change_month": ("Thay đổi KH, 1 tháng", "Customers, 1-month change"),
    "rate_change_month": ("Thay đổi tỷ lệ, 1 tháng", "Rate, 1-month change"),
    "points": ("điểm %", "pts"),
    "headline": (
        "{cashless}/{active} khách hàng, đạt {rate}",
        "{cashless}/{active} customers, {rate}",
    ),
    "by_office": ("Theo điện lực", "By district office"),
    "by_commune": ("Theo xã/phường", "By commune"),
    "trend": ("Tỷ lệ không dùng tiền mặt theo tháng", "Cashless rate by month"),
    "trend_target": ("Kế hoạch", "Target"),
    "month": ("Tháng", "Month"),
    "ranked_by_gap": (
        "Điện lực xếp theo số khách hàng còn thiếu",
        "Offices ranked by customers still needed",
    ),
    "gap_period": ("Kỳ kế hoạch", "Plan period"),
    "no_targets": (
        "Chưa có kế hoạch cho năm {year}. Nhập ở trang Kế hoạch.",
        "No targets for {year} yet. Set them on the Targets page.",
    ),
    "still_needed": ("Còn thiếu {n} khách hàng", "{n} more customers needed"),
    # targets
    "year": ("Năm", "Year"),
    "period_type": ("Loại kỳ", "Period"),
    "period_year": ("Năm", "Year"),
    "period_quarter": ("Quý", "Quarter"),
    "period_month": ("Tháng", "Month"),
    "period": ("Kỳ", "Period"),
    "period_end": ("Cuối kỳ", "Period end"),
    "target_rate": ("Kế hoạch", "Target"),
    "explicit": ("Nguồn", "Source"),
    "explicit_yes": ("đặt trực tiếp", "set"),
    "explicit_no": ("nội suy", "cascaded"),
    "actual_rate": ("Thực hiện", "Actual"),
    "customers_needed": ("Còn thiếu (KH)", "Still needed (customers)"),
    "weekly_pace": ("Cần mỗi tuần", "Needed per week"),
    "projected_rate": ("Dự báo cuối kỳ", "Projected at period end"),
    "status": ("Đánh giá", "Status"),
    "status_on track": ("🟢 đạt", "🟢 on track"),
    "status_at risk": ("🟡 có nguy cơ", "🟡 at risk"),
    "status_off track": ("🔴 không đạt", "🔴 off track"),
    "status_rule": (
        "Dự báo = tỷ lệ hiện tại + xu hướng {days} ngày gần nhất kéo dài đến cuối kỳ. "
        "🟢 đạt: dự báo ≥ kế hoạch; 🟡 có nguy cơ: thấp hơn tối đa {margin} điểm %; 🔴 không đạt: thấp hơn nữa. "
        "Còn thiếu = ⌈kế hoạch × KH hoạt động⌉ − KH không dùng tiền mặt. "
        "Kế hoạch năm được nội suy tuyến tính cho quý và tháng; giá trị đặt trực tiếp luôn được ưu tiên.",
        "Projection = today's rate plus the last {days} days' trend carried to period end. "
        "🟢 on track: projection ≥ target; 🟡 at risk: short by at most {margin} points; 🔴 off track: further short. "
        "Still needed = ⌈target × active⌉ − cashless. "
        "A year target cascades on a straight line to quarters and months; values set directly always win.",
    ),
    "plan_grid": (
        "Kế hoạch năm {year} theo điện lực (● = đặt trực tiếp)",
        "Plan for {year} by office (● = set directly)",
    ),
    "period_detail": (
        "Kỳ {period}: các điện lực theo số khách hàng còn thiếu",
        "{period}: offices by customers still needed",
    ),
    "show": ("Hiển thị", "Show"),
    "edit_targets": ("Sửa kế hoạch", "Edit targets"),
    "set_one": ("Đặt một kế hoạch", "Set one target"),
    "edit_help": (
        "Nhập tỷ lệ (%) vào ô cần đặt trực tiếp; để trống để nội suy từ kế hoạch năm. Bấm Lưu để ghi.",
        "Type a rate (%) where a target is set directly; leave empty to cascade from the year. Press Save.",
    ),
    "save": ("Lưu", "Save"),
    "saved": ("Đã lưu {n} kế hoạch.", "Saved {n} target(s)."),
    "nothing_changed": ("Không có thay đổi.", "Nothing changed."),
    "history": ("Lịch sử thay đổi", "History"),
    "set_by": ("Người đặt", "Set by"),
    "set_at": ("Thời điểm", "Set at"),
    "import_csv": ("Nhập từ CSV", "Import CSV"),
    "import_help": (
        "Cột: office_code, period_type (year|quarter|month), period (2025, 2025-Q1, 2025-03), target_rate (0.8 hoặc 80%).",
        "Columns: office_code, period_type (year|quarter|month), period (2025, 2025-Q1, 2025-03), target_rate (0.8 or 80%).",
    ),
    "imported": ("Đã nhập {n} kế hoạch.", "Imported {n} target(s)."),
    "export_csv": ("Xuất kế hoạch (CSV)", "Export targets (CSV)"),
    "read_only_targets": (
        "Vai trò của bạn chỉ được xem kế hoạch.",
        "Your role can view targets but not change them.",
    ),
    # channels
    "measure": ("Đo theo", "Measure"),
    "measure_payments": ("Lượt thanh toán", "Payments"),
    "measure_amount": ("Số tiền (VND)", "Amount (VND)"),
    "payments_note": (
        "Mỗi khách hàng thường thanh toán một lần mỗi tháng, nên số lượt gần bằng số khách hàng.",
        "A customer usually pays once a month, so payments are close to customers.",
    ),
    "months_shown": ("Khoảng thời gian", "Months shown"),
    "category_mix": ("Cơ cấu theo nhóm kênh", "Mix by channel category"),
    "mix_by_office": ("Cơ cấu theo điện lực, tháng {month}", "Mix by office, {month}"),
    "channel_table": ("Chi tiết theo kênh, tháng {month}", "By channel, {month}"),
    "category": ("Nhóm kênh", "Category"),
    "channel": ("Kênh", "Channel"),
    "share": ("Tỷ trọng", "Share"),
    "payments": ("Lượt thanh toán", "Payments"),
    "amount": ("Số tiền (VND)", "Amount (VND)"),
    "is_cashless": ("Không dùng tiền mặt", "Cashless"),
    "cat_bank": ("Ngân hàng", "Bank"),
    "cat_auto_debit": ("Trích nợ tự động", "Auto-debit"),
    "cat_intermediary": ("Trung gian thanh toán", "Payment intermediary"),
    "cat_e_wallet": ("Ví điện tử", "E-wallet"),
    "cat_post_office": ("Bưu điện", "Post office"),
    "cat_counter_cash": ("Tiền mặt tại quầy", "Cash at the counter"),
    "cat_collector_cash": ("Tiền mặt thu tại nhà", "Cash to a collector"),
    "cat_unknown": ("Chưa phân loại", "Unmapped"),
    "movements": ("Chuyển đổi và quay lại tiền mặt theo tháng", "Conversions and slip-backs by month"),
    "converted": ("Chuyển sang không dùng tiền mặt", "Converted"),
    "slipped": ("Quay lại tiền mặt", "Slipped back"),
    "movements_rule": (
        "Chuyển đổi: đang hoạt động và còn trả tiền mặt ở cuối tháng trước, không dùng tiền mặt ở cuối tháng. "
        "Quay lại: ngược lại. Tính theo từng khách hàng.",
        "Converted: active and paying cash at the end of the previous month, cashless at the end of the month. "
        "Slipped back: the reverse. Counted per customer.",
    ),
    "unknown_channels": ("Tên kênh chưa có trong danh mục", "Raw channel names not in the catalog"),
    "unknown_note": (
        "Các thanh toán này đang được tính là tiền mặt cho đến khi được phân loại.",
        "These payments count as cash until the name is mapped.",
    ),
    "no_unknown": ("Mọi tên kênh đều đã có trong danh mục.", "Every raw channel name is in the catalog."),
    "raw_text": ("Tên kênh trong tệp", "Raw name in the export"),
    "first_day": ("Lần đầu", "First seen"),
    "last_day": ("Lần cuối", "Last seen"),
    "map_channel": ("Phân loại tên kênh", "Map a raw name"),
    "map_saved": (
        "Đã phân loại '{raw}'. Số liệu được tính lại từ {day}.",
        "Mapped '{raw}'. Figures recomputed from {day}.",
    ),
    # data quality
    "load_runs": ("Các lần nạp dữ liệu", "Load runs"),
    "file_name": ("Tệp", "File"),
    "kind": ("Loại", "Kind"),
    "started_at": ("Bắt đầu", "Started"),
    "finished_at": ("Kết thúc", "Finished"),
    "rows_read": ("Dòng đọc", "Rows read"),
    "rows_loaded": ("Dòng nạp", "Rows loaded"),
    "rows_updated": ("Cập nhật", "Updated"),
    "rows_quarantined": ("Dòng lỗi", "Quarantined"),
    "message": ("Ghi chú", "Message"),
    "run_status": ("Trạng thái", "Status"),
    "run_status_loaded": ("✅ đã nạp", "✅ loaded"),
    "run_status_skipped": ("↩️ bỏ qua (đã nạp)", "↩️ skipped (already loaded)"),
    "run_status_rejected": ("⛔ từ chối", "⛔ rejected"),
    "run_status_loading": ("⏳ đang nạp", "⏳ loading"),
    "quarantine": ("Dòng bị cách ly", "Quarantined rows"),
    "quarantine_reasons": ("Lý do", "Reasons"),
    "all_runs": ("Tất cả các lần nạp", "All load runs"),
    "row_number": ("Dòng", "Line"),
    "column_name": ("Cột", "Column"),
    "reason": ("Lý do", "Reason"),
    "raw_row": ("Dữ liệu gốc", "Raw row"),
    "rows": ("Số dòng", "Rows"),
    "no_quarantine": ("Không có dòng nào bị cách ly.", "No quarantined rows."),
    "no_runs": ("Chưa nạp tệp nào.", "No file loaded yet."),
    # users and audit
    "admin": ("Người dùng", "Users & audit"),
    "users": ("Tài khoản", "Accounts"),
    "role": ("Vai trò", "Role"),
    "role_label": ("Vai trò", "Role"),
    "email": ("E-mail", "E-mail"),
    "state": ("Trạng thái", "State"),
    "active": ("đang dùng", "active"),
    "disabled": ("đã khóa", "disabled"),
    "created_at": ("Ngày tạo", "Created"),
    "add_user": ("Thêm tài khoản", "Add an account"),
    "user_added": ("Đã thêm tài khoản {user}.", "Account {user} added."),
    "disable_user": ("Khóa tài khoản", "Disable an account"),
    "enable_user": ("Mở lại tài khoản", "Enable an account"),
    "audit": ("Nhật ký thao tác", "Audit log"),
    "at": ("Thời điểm", "When"),
    "action": ("Thao tác", "Action"),
    "detail": ("Chi tiết", "Detail"),
    # weekly review
    "weekly": ("Báo cáo tuần", "Weekly review"),
    "w_title": (
        "Báo cáo tuần: chuyển đổi thanh toán không dùng tiền mặt, đến ngày {day}",
        "Weekly review: cashless payment adoption, as of {day}",
    ),
    "w_scope_province": ("toàn tỉnh", "the province"),
    "w_section_province": ("Toàn tỉnh", "The province"),
    "w_section_offices": ("Các điện lực", "District offices"),
    "w_section_moves": ("Chuyển đổi và quay lại tiền mặt trong tuần", "Conversions and slip-backs this week"),
    "w_section_channels": ("Kênh thanh toán", "Payment channels"),
    "w_section_outreach": ("Kết quả vận động", "Outreach results"),
    "w_headline": (
        "Đến hết ngày {day}, {scope} có {cashless}/{active} khách hàng không dùng tiền mặt, đạt {rate}.",
        "By the end of {day}, {scope} had {cashless} of {active} customers paying cashless: {rate}.",
    ),
    "w_week": (
        "So với tuần trước ({before}): {change} khách hàng, tỷ lệ {points}.",
        "Against last week ({before}): {change} customers, rate {points}.",
    ),
    "w_month": (
        "So với một tháng trước: {change} khách hàng, tỷ lệ {points}.",
        "Against a month before: {change} customers, rate {points}.",
    ),
    "w_period_short": (
        "Kế hoạch {kind} {period}: {target}. Còn thiếu {needed} khách hàng, cần khoảng {pace} khách hàng mỗi tuần; "
        "dự báo cuối kỳ {projected}: {status}.",
        "Target for the {kind} {period}: {target}. {needed} more customers needed, about {pace} a week; "
        "projected at period end {projected}: {status}.",
    ),
    "w_period_done": (
        "Kế hoạch {kind} {period} ({target}) đã đạt.",
        "The {kind} {period} target ({target}) is met.",
    ),
    "w_no_target": ("Chưa có kế hoạch cho {kind} {period}.", "No target for the {kind} {period}."),
    "w_kind_month": ("tháng", "month"),
    "w_kind_quarter": ("quý", "quarter"),
    "w_kind_year": ("năm", "year"),
    "w_off_track": (
        "{n} điện lực không đạt tiến độ kế hoạch quý {period}: {names}.",
        "{n} office(s) off track for the quarter {period}: {names}.",
    ),
    "w_none_off_track": (
        "Không có điện lực nào không đạt tiến độ kế hoạch quý {period}.",
        "No office is off track for the quarter {period}.",
    ),
    "w_at_risk": ("Có nguy cơ không đạt: {names}.", "At risk: {names}."),
    "w_office_line": (
        "{office}: {cashless}/{active} khách hàng ({rate}), {change} khách hàng trong tuần. {quarter}",
        "{office}: {cashless} of {active} customers ({rate}), {change} this week. {quarter}",
    ),
    "w_office_quarter": (
        "Quý {period} còn thiếu {needed} khách hàng, cần {pace}/tuần: {status}.",
        "Quarter {period}: {needed} more needed, {pace} a week: {status}.",
    ),
    "w_best": ("Tỷ lệ tăng nhiều nhất trong tuần: {items}.", "Biggest rises this week: {items}."),
    "w_worst": ("Tăng ít nhất hoặc giảm: {items}.", "Smallest rises or falls: {items}."),
    "w_moves": (
        "Trong tuần, {converted} khách hàng chuyển sang không dùng tiền mặt và {slipped} khách hàng quay lại "
        "trả tiền mặt (ròng {net}).",
        "This week {converted} customers converted to cashless and {slipped} slipped back to cash (net {net}).",
    ),
    "w_most_slipped": (
        "Quay lại tiền mặt nhiều nhất: {items}.",
        "Most slip-backs: {items}.",
    ),
    "w_communes_negative": (
        "Xã/phường có nhiều khách hàng quay lại tiền mặt hơn số chuyển đổi: {items}.",
        "Communes where more customers slipped back than converted: {items}.",
    ),
    "w_communes_none_negative": (
        "Không có xã/phường nào có số quay lại tiền mặt nhiều hơn số chuyển đổi.",
        "No commune had more slip-backs than conversions.",
    ),
    "w_channels": (
        "So với 4 tuần trước đó, tỷ trọng lượt thanh toán tăng ở {up} và giảm ở {down}.",
        "Against the four weeks before, the share of payments rose for {up} and fell for {down}.",
    ),
    "w_list": (
        "Danh sách số {id} ({office}, tính đến {as_of}): {contacted_rate} trong {contacted} hộ được vận động đã "
        "chuyển sang không dùng tiền mặt, so với {control_rate} trong {control} hộ đối chứng không được liên hệ "
        "(chênh lệch {difference}; khoảng tin cậy 95%: {low} đến {high}).",
        "List {id} ({office}, as of {as_of}): {contacted_rate} of the {contacted} households contacted went "
        "cashless, against {control_rate} of the {control} control households left alone "
        "(difference {difference}; 95% interval {low} to {high}).",
    ),
    "w_list_outcomes": (
        "Kết quả ghi nhận từ hiện trường: {agreed} đồng ý, {refused} từ chối, {unreachable} không liên lạc được, "
        "{converted} đã chuyển đổi.",
        "Outcomes recorded in the field: {agreed} agreed, {refused} refused, {unreachable} unreachable, "
        "{converted} converted.",
    ),
    "w_no_outreach": (
        "Chưa có danh sách vận động nào để đánh giá.",
        "No outreach list to assess yet.",
    ),
    "w_chart_trend": ("Tỷ lệ không dùng tiền mặt, 13 tuần gần nhất", "Cashless rate, the last 13 weeks"),
    "w_chart_needed": (
        "Khách hàng còn thiếu để đạt kế hoạch quý {period}",
        "Customers still needed for the quarter {period} target",
    ),
    "w_chart_channels": (
        "Thay đổi tỷ trọng lượt thanh toán theo nhóm kênh (4 tuần gần nhất so với 4 tuần trước)",
        "Change in the share of payments by category (last 4 weeks vs the 4 before)",
    ),
    "w_generated": ("Tạo lúc {at} từ kho dữ liệu {source}.", "Generated {at} from the warehouse {source}."),
    "w_download_html": ("Tải báo cáo (HTML)", "Download the report (HTML)"),
    "w_download_pdf": ("Tải báo cáo (PDF)", "Download the report (PDF)"),
    "w_pdf_unavailable": (
        "Không tạo được PDF: máy chủ cần Chromium ({reason}).",
        "Cannot make the PDF: the server needs Chromium ({reason}).",
    ),
    "quarter_target": ("Kế hoạch quý", "Quarter target"),
    "month_needed": ("Còn thiếu (tháng)", "Needed (month)"),
    "quarter_needed": ("Còn thiếu (quý)", "Needed (quarter)"),
    "year_needed": ("Còn thiếu (năm)", "Needed (year)"),
    "quarter_pace": ("Cần mỗi tuần (quý)", "Per week (quarter)"),
    "quarter_status": ("Đánh giá (quý)", "Status (quarter)"),
    "net": ("Ròng", "Net"),
    # model page (m_) --------------------------------------------------------------------------------
    "model": ("Mô hình", "Model"),
    "m_no_model": (
        "Chưa có mô hình. Chạy `cashless model train` rồi `cashless model score` (hoặc `cashless demo`).",
        "No model yet. Run `cashless model train`, then `cashless model score` (or `cashless demo`).",
    ),
    "m_version": ("Phiên bản", "Version"),
    "m_caption": (
        "Mô hình {version}, huấn luyện lúc {at} ({by}) trên dữ liệu đến {cutoff}. Điểm = khả năng hộ "
        "vẫn chưa không dùng tiền mặt sau {h} tháng nếu không được vận động (cao = cần vận động).",
        "Model {version}, trained {at} ({by}) on data up to {cutoff}. Score = the chance a household "
        "still does not pay cashless {h} months later without outreach (high = needs a visit).",
    ),
    "m_backtest": ("Kiểm tra lùi so với hai cách chấm đơn giản", "Backtest against two simple baselines"),
    "m_backtest_caption": (
        "Huấn luyện trên các mốc cuối tháng {first} – {last}, chấm điểm {rows} hộ chưa không dùng tiền "
        "mặt ngày {cutoff}, đối chiếu với thực tế ngày {label_day}.",
        "Trained on the month ends {first} – {last}, scored the {rows} households not paying cashless "
        "on {cutoff}, checked against what happened by {label_day}.",
    ),
    "m_score_name": ("Cách chấm", "Score"),
    "m_model": ("Mô hình", "Model"),
    "m_commune_rate": ("(a) Tỷ lệ của xã", "(a) Commune's cashless rate"),
    "m_never_cashless": ("(b) Chưa từng không dùng tiền mặt", "(b) Never paid cashless"),
    "m_roc_auc": ("ROC-AUC", "ROC-AUC"),
    "m_pr_auc": ("PR-AUC", "PR-AUC"),
    "m_brier": ("Brier (thấp = tốt)", "Brier (lower is better)"),
    "m_top_decile_lift": ("Lift 10% điểm cao nhất", "Top-decile lift"),
    "m_top_decile_self_converted": ("Tự chuyển đổi trong 10% đầu", "Switched on their own, top 10%"),
    "m_calibration_error": ("Sai số hiệu chuẩn", "Calibration error"),
    "m_card_auc": ("ROC-AUC của mô hình", "Model ROC-AUC"),
    "m_card_lift": ("Lift 10% đầu", "Top-decile lift"),
    "m_card_wasted": ("Lượt thăm không cần thiết (10% đầu)", "Visits not needed (top 10%)"),
    "m_vs_baseline": ("so với {value} (cách chấm cơ sở tốt hơn)", "vs {value} (better baseline)"),
    "m_lift_note": (
        "Lift 10% đầu = tỷ lệ hộ vẫn chưa chuyển đổi trong 10% hộ điểm cao nhất chia cho tỷ lệ chung "
        "({base}); vì tỷ lệ chung cao nên lift tối đa chỉ là {max}. Con số dễ so hơn là số hộ trong 10% đầu "
        "đã tự chuyển đổi (lượt thăm không cần thiết): mô hình {model}, cách chấm cơ sở tốt hơn {baseline}, "
        "ít hơn {ratio} lần.",
        "Top-decile lift = the share still not cashless among the 10% highest scores over the overall "
        "share ({base}); with so high an overall share the lift can be at most {max}. The clearer "
        "comparison is how many in the top 10% went cashless on their own (visits not needed): model "
        "{model}, better baseline {baseline}, {ratio} times fewer.",
    ),
    "m_lift_chart": ("Lift theo từng nhóm 10% hộ, xếp theo điểm", "Lift by tenth of households, by score"),
    "m_decile": ("Nhóm 10% (1 = điểm cao nhất)", "Tenth (1 = highest scores)"),
    "m_lift": ("Lift", "Lift"),
    "m_calibration_chart": ("Hiệu chuẩn: dự báo và thực tế", "Calibration: predicted vs observed"),
    "m_calibration_caption": (
        "Mỗi điểm là 1/10 số hộ, xếp theo điểm dự báo; đường chéo = dự báo đúng bằng thực tế.",
        "Each point is a tenth of the households by predicted score; the diagonal is a perfect forecast.",
    ),
    "m_predicted": ("Dự báo (trung bình)", "Predicted (mean)"),
    "m_observed": ("Thực tế", "Observed"),
    "m_importance_chart": (
        "Biến nào giúp mô hình: ROC-AUC giảm bao nhiêu khi xáo trộn biến",
        "Which features help: drop in ROC-AUC when a feature is shuffled",
    ),
    "m_importance": ("Giảm ROC-AUC", "Drop in ROC-AUC"),
    "m_feature": ("Biến", "Feature"),
    "m_importance_caption": (
        "Đo trên kiểm tra lùi. Chỉ những biến có ích (giảm từ {threshold}) mới được dùng làm lý do.",
        "Measured on the backtest. Only features that help (a drop of {threshold} or more) become reasons.",
    ),
    "m_distribution_chart": ("Phân bố điểm theo điện lực", "Score distribution by office"),
    "m_distribution_caption": (
        "Điểm ngày {as_of} của {n} hộ chưa không dùng tiền mặt. Mức ưu tiên: cao từ {high}, thấp dưới {low}.",
        "Scores on {as_of} of the {n} households not yet paying cashless. Priority: high from {high}, "
        "low below {low}.",
    ),
    "m_score": ("Điểm", "Score"),
    "m_share_of_office": ("Tỷ trọng trong điện lực", "Share of the office"),
    "m_households": ("Số hộ", "Households"),
    "m_mean_score": ("Điểm trung bình", "Mean score"),
    "m_high": ("Ưu tiên cao", "High priority"),
    "m_medium": ("Ưu tiên vừa", "Medium priority"),
    "m_low": ("Ưu tiên thấp", "Low priority"),
    "m_no_scores": (
        "Mô hình chưa chấm điểm: chạy `cashless model score`.",
        "The model has not scored yet: run `cashless model score`.",
    ),
    # outreach page (o_) -----------------------------------------------------------------------------
    "outreach": ("Danh sách vận động", "Outreach"),
    "o_not_allowed": (
        "Vai trò của bạn không mở được danh sách vận động (có tên, địa chỉ, số điện thoại của khách hàng).",
        "Your role may not open outreach lists (they hold customers' names, addresses and phones).",
    ),
    "o_tab_candidates": ("Hộ cần vận động", "Households to visit"),
    "o_tab_lists": ("Danh sách đã tạo", "Lists made"),
    "o_communes": ("Xã/phường", "Communes"),
    "o_types": ("Loại khách hàng", "Customer types"),
    "o_bands": ("Mức ưu tiên", "Priority bands"),
    "o_reasons": ("Lý do", "Reasons"),
    "o_all": ("Tất cả", "All"),
    "o_top": ("Số hộ trong danh sách (gồm nhóm đối chứng)", "Households in the list (control included)"),
    "o_candidates_caption": (
        "{n} hộ đầu tiên theo điểm (mô hình {version}, điểm ngày {as_of}). Hộ đã có trong danh sách "
        "{h} tháng gần đây không được đưa vào lại.",
        "The first {n} households by score (model {version}, scores of {as_of}). Households on a list "
        "of the last {h} months are not offered again.",
    ),
    "o_pick_office": (
        "Chọn một điện lực ở thanh bên để tạo danh sách.",
        "Pick one office in the sidebar to make a list.",
    ),
    "o_make_list": ("Tạo danh sách", "Make the list"),
    "o_control_note": (
        "Mỗi danh sách giữ lại ngẫu nhiên {share} số hộ làm nhóm đối chứng: không xuất ra, không liên hệ, "
        "để sau này so sánh tỷ lệ chuyển đổi với nhóm được vận động.",
        "Every list holds back {share} of its households at random as a control group: not exported, "
        "not contacted, so their conversion can later be compared with the contacted households'.",
    ),
    "o_list_made": (
        "Đã tạo danh sách {id}: {n} hộ, giữ lại {control} hộ làm nhóm đối chứng (hạt giống {seed}); "
        "{contacted} hộ để tải về và vận động.",
        "List {id} made: {n} households, {control} held back as the control group (seed {seed}); "
        "{contacted} to download and visit.",
    ),
    "o_no_candidates": ("Không còn hộ nào phù hợp.", "No household matches."),
    "o_download_xlsx": ("Tải Excel", "Download Excel"),
    "o_download_csv": ("Tải CSV", "Download CSV"),
    "o_download_note": (
        "Mỗi lần tải được ghi vào nhật ký (ai, lúc nào, bao nhiêu hộ).",
        "Every download is logged (who, when, how many households).",
    ),
    "o_no_lists": ("Chưa có danh sách nào.", "No list yet."),
    "o_effects": ("Chuyển đổi: nhóm vận động và nhóm đối chứng", "Conversion: contacted vs control"),
    "o_effects_caption": (
        "Chuyển đổi = đang không dùng tiền mặt vào ngày đo, theo thanh toán đã nạp; hộ đã thanh lý hợp đồng "
        "không tính. Khác biệt kèm khoảng tin cậy 95%.",
        "Converted = paying cashless on the day measured, from the payments loaded; households whose "
        "contract ended are left out. The difference comes with a 95% interval.",
    ),
    "o_group_contacted": ("Được vận động", "Contacted"),
    "o_group_control": ("Đối chứng", "Control"),
    "o_conversion": ("Tỷ lệ chuyển đổi", "Conversion rate"),
    "o_list": ("Danh sách", "List"),
    "o_list_label": ("Danh sách {id} · {office} · {created}", "List {id} · {office} · {created}"),
    "o_list_id": ("Danh sách", "List"),
    "o_created_at": ("Tạo lúc", "Created"),
    "o_as_of": ("Điểm ngày", "Scores of"),
    "o_measured_on": ("Đo đến ngày", "Measured on"),
    "o_days": ("Số ngày", "Days"),
    "o_contacted": ("Hộ vận động", "Contacted"),
    "o_contacted_rate": ("Chuyển đổi (vận động)", "Converted (contacted)"),
    "o_control": ("Hộ đối chứng", "Control"),
    "o_control_rate": ("Chuyển đổi (đối chứng)", "Converted (control)"),
    "o_difference": ("Khác biệt", "Difference"),
    "o_ci_low": ("Khoảng tin cậy từ", "Interval from"),
    "o_ci_high": ("đến", "to"),
    "o_members": ("Hộ trong danh sách", "Households on the list"),
    "o_members_caption": (
        "Giao hộ cho nhân viên và ghi kết quả ngay trong bảng rồi bấm Lưu, hoặc nhập tệp Excel/CSV nhân "
        "viên gửi lại. Hộ đối chứng không có ở đây.",
        "Assign households to staff and record outcomes in the table, then Save; or import the Excel/CSV "
        "sheet staff send back. Control households are not shown.",
    ),
    "o_rank": EXPORT_COLUMNS["rank"],
    "o_customer_id": EXPORT_COLUMNS["customer_id"],
    "o_name": EXPORT_COLUMNS["name"],
    "o_address": EXPORT_COLUMNS["address"],
    "o_phone": EXPORT_COLUMNS["phone"],
    "o_customer_type": EXPORT_COLUMNS["customer_type"],
    "o_score": ("Điểm", "Score"),
    "o_risk_band": ("Mức ưu tiên", "Priority"),
    "o_reasons_text": EXPORT_COLUMNS["reasons"],
    "o_assigned_to": EXPORT_COLUMNS["assigned_to"],
    "o_outcome": EXPORT_COLUMNS["outcome"],
    "o_saved": ("Đã lưu {n} hộ.", "Saved {n} household(s)."),
    "o_import": ("Nhập kết quả từ tệp gửi lại", "Import outcomes from a returned sheet"),
    "o_imported": ("Đã cập nhật {n} hộ.", "Updated {n} household(s)."),
    # --- dash ---
    "download_xlsx": ("Tải Excel", "Download Excel"),
    # --- auth ---
    "sign_in_locked": (
        "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {time}.",
        "Too many failed sign-ins. Please try again after {time}.",
    ),
    "must_change_password": (
        "Mật khẩu của bạn là mật khẩu dùng một lần. Hãy đặt mật khẩu mới trước khi tiếp tục.",
        "Your password is a one-time password. Choose a new one to continue.",
    ),
    "account": ("Tài khoản", "My account"),
    "current_password": ("Mật khẩu hiện tại", "Current password"),
    "new_password": ("Mật khẩu mới (ít nhất 8 ký tự)", "New password (at least 8 characters)"),
    "new_password_again": ("Nhập lại mật khẩu mới", "New password again"),
    "change_password": ("Đổi mật khẩu", "Change password"),
    "passwords_differ": ("Hai mật khẩu mới không khớp.", "The two new passwords differ."),
    "password_changed": ("Đã đổi mật khẩu.", "Password changed."),
    "reset_password": ("Đặt lại mật khẩu", "Reset password"),
    "one_time_password": (
        "Mật khẩu dùng một lần của {user}: `{password}` (chỉ hiện lần này; phải đổi khi đăng nhập).",
        "One-time password for {user}: `{password}` (shown only now; to be changed at sign-in).",
    ),
    # --- plan ---
    "fc_title": ("Dự báo đến {day}", "Forecast to {day}"),
    "fc_actual": ("Thực tế", "Actual"),
    "fc_forecast": ("Dự báo", "Forecast"),
    "fc_band80": ("Khoảng 80%", "80% range"),
    "fc_band95": ("Khoảng 95%", "95% range"),
    "fc_none": (
        "Chưa đủ số liệu cuối tháng để dự báo đến cuối năm đã chọn.",
        "Not enough month-end figures to forecast to the end of the chosen year.",
    ),
    "fc_outlook": ("Khả năng đạt kế hoạch theo dự báo", "Chance of meeting each target, from the forecast"),
    "fc_caption": (
        "Dự báo số khách hàng hoạt động và không dùng tiền mặt của từng điện lực (mô hình ETS), toàn tỉnh "
        "là tổng các điện lực. Khả năng đạt = tỷ lệ các kịch bản mô phỏng đạt kế hoạch vào cuối kỳ.",
        "Active and cashless customers forecast per office (ETS); the province is the sum of its offices. "
        "Chance = the share of simulated paths that reach the target at the period's end.",
    ),
    "forecast_rate": ("Dự báo cuối kỳ", "Forecast at period end"),
    "lo80": ("Cận dưới 80%", "80% low"),
    "hi80": ("Cận trên 80%", "80% high"),
    "chance": ("Khả năng đạt", "Chance of meeting"),
    "pace_needed": ("Cần mỗi tuần", "Needed per week"),
    "pace_expected": ("Dự báo mỗi tuần", "Expected per week"),
    "w_forecast_sentence": (
        "Ở tốc độ hiện tại, {office} đạt {low}–{high} vào {day}, kế hoạch {target}.",
        "At the current pace, {office} reaches {low}–{high} by {day}, plan {target}.",
    ),
    "o_tab_plan": ("Kế hoạch theo năng lực", "Plan within capacity"),
    "o_plan_help": (
        "Nhập số lượt thăm mỗi tuần của từng điện lực. Mỗi điện lực nhận các hộ có lợi ích dự kiến cao nhất, "
        "không vượt quá số lượt thăm; {share} danh sách được giữ lại làm nhóm đối chứng.",
        "Enter each office's visits per week. Each office gets the households with the highest expected "
        "gain, never more than its visits; {share} of each list is held back as the control group.",
    ),
    "o_visits_per_week": ("Lượt thăm mỗi tuần", "Visits per week"),
    "o_plan_weeks": ("Số tuần", "Weeks"),
    "o_make_plan": ("Lập kế hoạch", "Make the plan"),
    "o_plan_made": ("Đã lập kế hoạch; các hộ được xếp theo {by}.", "Plan made; households ranked by {by}."),
    "o_ranked_by_uplift": (
        "mô hình tác động (hộ mà chuyến thăm giúp chuyển đổi nhiều nhất)",
        "the uplift model (households a visit moves most)",
    ),
    "o_ranked_by_propensity": (
        "điểm khả năng chưa chuyển đổi (chưa có mô hình tác động)",
        "the propensity score (no uplift model yet)",
    ),
    "visits_per_week": ("Lượt thăm/tuần", "Visits/week"),
    "visits_available": ("Lượt thăm có thể", "Visits available"),
    "visits_planned": ("Lượt thăm đã xếp", "Visits planned"),
    "control": ("Nhóm đối chứng", "Control"),
    "expected_conversions": ("Chuyển đổi thêm dự kiến", "Expected extra conversions"),
    "detectable": ("Tác động nhỏ nhất phát hiện được", "Smallest detectable effect"),
    "o_detectable": ("Tác động nhỏ nhất phát hiện được", "Smallest detectable effect"),
    "o_power_caption": (
        "Tác động nhỏ nhất phát hiện được: chênh lệch chuyển đổi mà danh sách với số hộ này phát hiện được "
        "với xác suất 80% (mức ý nghĩa 5%, hai phía). Tác động thật nhỏ hơn mức này thường không phân biệt "
        "được với may rủi.",
        "Smallest detectable effect: the difference in conversion a list of this size detects with 80% "
        "power (5% significance, two-sided). A true effect smaller than this is usually lost in chance.",
    ),
    "w_forecast_sentence_no_target": (
        "Ở tốc độ hiện tại, {office} đạt {low}–{high} vào {day}.",
        "At the current pace, {office} reaches {low}–{high} by {day}.",
    ),
    # --- etl ---
    # quarantine reasons: the English is the template the loader stores, the Vietnamese is shown
    "q_not_a_date": (
        "không phải ngày hợp lệ (cần dd/mm/yyyy hoặc yyyy-mm-dd): '{value}'",
        "not a valid date (expected dd/mm/yyyy or yyyy-mm-dd): '{value}'",
    ),
    "q_date_outside": (
        "ngày ngoài khoảng {first}-{last}: '{value}'",
        "date outside {first}-{last}: '{value}'",
    ),
    "q_required_date": ("ngày bắt buộc đang để trống", "required date is empty"),
    "q_not_an_amount": (
        "không phải số tiền VND (chữ số, phân cách hàng nghìn bằng . , hoặc dấu cách): '{value}'",
        "not a VND amount (digits, with . , or space between thousands): '{value}'",
    ),
    "q_amount_too_large": ("số tiền lớn bất thường: '{value}'", "amount is implausibly large: '{value}'"),
    "q_amount_not_positive": ("số tiền phải lớn hơn 0", "amount must be greater than 0"),
    "q_required_amount": ("số tiền bắt buộc đang để trống", "required amount is empty"),
    "q_not_a_period": (
        "không phải kỳ hóa đơn (YYYYMM, YYYY-MM hoặc MM/YYYY): '{value}'",
        "not a bill period (YYYYMM, YYYY-MM or MM/YYYY): '{value}'",
    ),
    "q_unknown_type": ("loại khách hàng không xác định: '{value}'", "unknown customer type: '{value}'"),
    "q_required": ("{column} bắt buộc đang để trống", "required {column} is empty"),
    "q_unknown_office": ("mã đơn vị không tồn tại '{value}'", "unknown office code '{value}'"),
    "q_end_before_start": (
        "ngày hết hiệu lực trước ngày hiệu lực",
        "contract_end is before contract_start",
    ),
    "q_duplicate_customer": (
        "mã khách hàng lặp lại trong tệp (giữ dòng đầu tiên)",
        "duplicate customer_id in this file (first occurrence kept)",
    ),
    "q_unknown_customer": (
        "mã khách hàng chưa có '{value}' (nạp tệp khách hàng trước)",
        "unknown customer_id '{value}' (load customers first)",
    ),
    "q_paid_after_load": (
        "ngày thanh toán sau ngày nạp (muộn nhất {day})",
        "payment dated after the day of the load ({day} at the latest)",
    ),
    "q_paid_before": ("ngày thanh toán trước {day}", "payment dated before {day}"),
    "q_too_long": ("dài quá {limit} ký tự", "longer than {limit} characters"),
    "q_id_taken": (
        "mã giao dịch đã dùng cho khách hàng khác (giữ giao dịch đầu tiên)",
        "transaction id already used for another customer (first one kept)",
    ),
    "q_reason_column": ("Lý do lỗi", "Reason"),
    "q_line_column": ("Dòng trong tệp gốc", "Line in the original file"),
    # column names as reasons and downloads show them
    "col_customer_id": ("Mã khách hàng", "customer_id"),
    "col_office_code": ("Mã đơn vị", "office_code"),
    "col_commune": ("Xã/Phường", "commune"),
    "col_customer_type": ("Loại khách hàng", "customer_type"),
    "col_name": ("Tên khách hàng", "name"),
    "col_address": ("Địa chỉ", "address"),
    "col_phone": ("Số điện thoại", "phone"),
    "col_contract_start": ("Ngày hiệu lực", "contract_start"),
    "col_contract_end": ("Ngày hết hiệu lực", "contract_end"),
    "col_payment_id": ("Mã giao dịch", "payment_id"),
    "col_bill_period": ("Kỳ hóa đơn", "bill_period"),
    "col_paid_at": ("Ngày thanh toán", "paid_at"),
    "col_amount": ("Số tiền", "amount"),
    "col_channel": ("Kênh thanh toán", "channel"),
    "q_download": (
        "Tải các dòng lỗi của tệp này để sửa và gửi lại (CSV)",
        "Download this file's rows to fix and send again (CSV)",
    ),
    "lookalike_communes": ("Tên xã/phường gần giống, chưa ghép", "Look-alike commune names not yet mapped"),
    "lookalike_hint": (
        "Nếu là cùng một xã/phường, thêm dòng vào data/commune_aliases.csv (office_code, old_name, new_name).",
        "If they are the same commune, add a line to data/commune_aliases.csv (office_code, old_name, new_name).",
    ),
    "looks_like": ("Giống với", "Looks like"),
    # --- ops ---
    "mail_subject": (
        "Báo cáo tuần chuyển đổi thanh toán không dùng tiền mặt ngày {day}",
        "Weekly review of cashless payment adoption, {day}",
    ),
    "mail_attached": ("Báo cáo đầy đủ ở tệp PDF đính kèm.", "The full review is in the attached PDF."),
    "subscribed": ("Nhận báo cáo tuần qua e-mail", "Weekly review by e-mail"),
    "subscribe_save": ("Lưu đăng ký", "Save subscriptions"),
    "subscribe_saved": ("Đã lưu đăng ký nhận báo cáo.", "Subscriptions saved."),
    "alerts_title": ("Cảnh báo", "Alerts"),
    "alerts_subject": (
        "Cảnh báo chuyển đổi thanh toán không dùng tiền mặt ngày {day}",
        "Cashless adoption alerts, {day}",
    ),
    "alerts_none": ("Không có cảnh báo ngày {day}.", "No alerts on {day}."),
    "alert_target": (
        "{office}: kế hoạch {kind} {period} không đạt — dự báo {projected}, mục tiêu {target}; "
        "còn thiếu {needed} khách hàng.",
        "{office}: the {kind} {period} target is off track — projected {projected} against {target}; "
        "{needed} customers still needed.",
    ),
    "alert_slips": (
        "{office}: {slipped} khách hàng quay lại tiền mặt trong 7 ngày, trên mức thường (tối đa {limit}).",
        "{office}: {slipped} customers went back to cash in the last 7 days, above the usual level (at most {limit}).",
    ),
    "alert_slips_needed": (
        " Còn thiếu {needed} khách hàng cho kế hoạch {kind} {period}.",
        " {needed} customers still needed for the {kind} {period} target.",
    ),
    "alert_rule": (
        "Kế hoạch không đạt: dự báo cuối kỳ thấp hơn mục tiêu hơn 2 điểm %. Mức thường của số khách hàng "
        "quay lại tiền mặt: trung bình + {sds} độ lệch chuẩn của {weeks} tuần trước đó của điện lực; "
        "cảnh báo khi tuần này vượt mức đó và từ {min_count} khách hàng trở lên.",
        "Off track: the rate projected at period end is more than 2 points below the target. Usual "
        "slip-backs: the mean + {sds} standard deviations of the office's weekly slip-backs over the "
        "previous {weeks} weeks; an alert when this week is above that and at least {min_count}.",
    ),
}


def text(table: dict, key: str, lang: str = "vi", **values) -> str:
    """The text for `key` in `table` in `lang` ('vi' or 'en'), placeholders filled."""
    vi, en = table[key]
    return (vi if lang == "vi" else en).format(**values)


def t(key: str, lang: str = "vi", **values) -> str:
    """The `TEXT` entry for `key` in `lang`, placeholders filled (no Streamlit: the CLI uses it too)."""
    return text(TEXT, key, lang, **values)
