"""Lists of members in the Vietnamese order: by given name, đ after d, ă â after a, ơ ô after o, ư after
u, tones after the bare letter — not by code point ("Đông" last, "Hùng" before "Hải")."""
from cabinet.services.names import name_key


def test_members_are_listed_by_given_name_in_the_vietnamese_alphabet():
    names = ["Lê Văn Đông", "Nguyễn Văn Hùng", "Trần Thị Hải", "Phạm Văn Tuấn", "Vũ Thị Tâm", "Đỗ Văn Dũng",
             "Lê Thị Ơn", "Hoàng Văn Ông", "Ngô Thị Oanh", "Bùi Văn Ư", "Đinh Văn Uy", "Mai Văn Ánh", "Lý Văn Anh"]
    assert sorted(names, key=name_key) == [
        "Lý Văn Anh", "Mai Văn Ánh", "Đỗ Văn Dũng", "Lê Văn Đông", "Trần Thị Hải", "Nguyễn Văn Hùng",
        "Ngô Thị Oanh", "Hoàng Văn Ông", "Lê Thị Ơn", "Vũ Thị Tâm", "Phạm Văn Tuấn", "Đinh Văn Uy", "Bùi Văn Ư"]
    assert sorted(["Nguyễn Văn An", "Trần An"], key=name_key) == ["Nguyễn Văn An", "Trần An"], "then the rest"
