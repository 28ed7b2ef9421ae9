"""A hand-made export of twelve customers whose right answers are worked out in the tests.

C01 cash in Jan, BIDV in Feb (converted)        C07 Agribank in Jan, unknown 'SmartPay' in Feb (slipped)
C02 counter + MoMo the same Feb day (cashless)  C08 counter in Jan, auto-debit in Feb (converted)
C03 BIDV in Jan, collector in Feb (slipped)     C09 counter in Jan, post office ON 28/02 (converted)
C04 BIDV, contract ended 20/02 (not active)     C10 cash in Feb, Viettel only in March
C05 contract starts 01/03, pays in March        C11 MoMo in Feb, contract ends ON 28/02 (not active)
C06 active since 2024, never paid               C12 contract starts ON 28/02, ZaloPay that day
"""

CUSTOMERS = """\
MA_KHANG;MA_DVIQLY;TEN_XA;LOAI_KH;TEN_KHANG;DIA_CHI;SO_DTHOAI;NGAY_HLUC;NGAY_HET_HLUC
C01;PA1101;Xã A;sinh hoạt;Nguyễn Văn An;Thôn 1, Xã A;0912345678;01/01/2020;
C02;PA1101;Xã A;Sinh hoat;Trần Thị Bình;Thôn 2, Xã A;;01/01/2020;
C03;PA1101;Xã A;kinh doanh;Lê Văn Cường;Thôn 3, Xã A;0987654321;01/01/2020;
C04;PA1101;Xã B;sinh hoạt;Phạm Thị Dung;Thôn 1, Xã B;;01/01/2020;20/02/2025
C05;PA1101;Xã B;cơ quan;UBND Xã B;Xã B;;01/03/2025;
C06;PA1101;Xã B;sinh hoạt;Hoàng Văn Em;Thôn 2, Xã B;;01/06/2024;
C07;PA1102;Xã C;sinh hoạt;Vũ Thị Giang;Thôn 1, Xã C;;01/01/2019;
C08;PA1102;Xã C;sinh hoạt;Đặng Văn Hải;Thôn 2, Xã C;0333444555;01/01/2019;
C09;PA1102;Xã C;sinh hoạt;Bùi Thị Hoa;Thôn 3, Xã C;;01/01/2019;
C10;PA1102;Xã D;sinh hoạt;Đỗ Văn Khánh;Thôn 1, Xã D;;01/01/2019;
C11;PA1102;Xã D;sinh hoạt;Hồ Thị Lan;Thôn 2, Xã D;;01/01/2019;28/02/2025
C12;PA1102;Xã D;kinh doanh;Ngô Văn Minh;Thôn 3, Xã D;;28/02/2025;
"""

JANUARY = """\
MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT
C01,202412,10/01/2025,90.000,Thu tại quầy
C03,202412,10/01/2025,110.000,BIDV
C04,202412,10/01/2025,130.000,BIDV
C07,202412,10/01/2025,140.000,Agribank
C08,202412,10/01/2025,150.000,thu tai quay
C09,202412,10/01/2025,160.000,Thu tại quầy
"""

FEBRUARY = """\
MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT
C01,01/2025,10/02/2025,100.000,BIDV
C02,01/2025,15/02/2025,50.000,Thu tại quầy
C02,01/2025,15/02/2025,70.000,MoMo
C03,01/2025,12/02/2025,200.000,Thu tại nhà
C04,01/2025,05/02/2025,300.000,BIDV
C07,01/2025,10/02/2025,400.000,SmartPay
C08,01/2025,10/02/2025,150.000,Trích nợ tự động
C09,01/2025,28/02/2025,250.000,bưu  điện
C10,01/2025,10/02/2025,120.000,Thu tại quầy
C11,01/2025,10/02/2025,80.000,MoMo
C12,01/2025,28/02/2025,60.000,ZaloPay
C99,01/2025,10/02/2025,10.000,BIDV
C01,01/2025,31/02/2025,10.000,BIDV
C03,01/2025,11/02/2025,-5.000,BIDV
"""

MARCH = """\
MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT
C05,2025-02,05/03/2025,55.000,VNPay
C10,2025-02,01/03/2025,65.000,Viettel
"""


def write_fixture(folder):
    """Write the four export files; returns their paths (customers, january, february, march)."""
    paths = []
    for name, content in (
        ("customers.csv", CUSTOMERS),
        ("payments_2025-01.csv", JANUARY),
        ("payments_2025-02.csv", FEBRUARY),
        ("payments_2025-03.csv", MARCH),
    ):
        path = folder / name
        path.write_text(content, encoding="utf-8")
        paths.append(path)
    return paths
