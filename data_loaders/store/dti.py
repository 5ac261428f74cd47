"""The provincial Digital Transformation Index (DTI): its main indices as national catalogue entries.

Source: the DTI framework ("Bộ chỉ số đánh giá chuyển đổi số của các bộ, cơ quan ngang bộ, cơ quan
thuộc Chính phủ, các tỉnh, thành phố trực thuộc Trung ương và của quốc gia") in the version approved by
the Ministry of Science and Technology, Decision 405/QĐ-BKHCN of 3 April 2025 (it took over the remit
of the Ministry of Information and Communications, whose Decision 922/QĐ-BTTTT of 20 May 2022 gave the
previous version: nine main indices, "Đô thị thông minh" unscored among them, and 98 sub-indices). As
the Ministry presented the DTI 2024 results on 21 October 2025, the provincial DTI has three pillars
(chính quyền số, kinh tế số, xã hội số) and eight main indices with 47 sub-indices: five common
foundations (nhận thức số, thể chế số, hạ tầng số, nhân lực số, an toàn thông tin mạng) and three
activity indices (hoạt động chính quyền số, kinh tế số, xã hội số; named here by their pillar) —
each an index from 0 to 1, higher is better, one value per province and year. The sub-indices and
weights are not modelled. shared/reference/ cites no DTI figure, so the values the project ships are
sample data (sample_data/nq57_dti_tinh_mau.xlsx, made by seed/sample.py), never official results.

Migration 0019 adds these entries to every database (frozen there); the figures (figures/dti.py), the
DTI template and the sample read them from the catalogue like any indicator.
"""

from __future__ import annotations

from data_loaders.store.catalogue import IndicatorDef, Plausible

GROUP = "dti"  # the catalogue group: charted in the DTI section, never on the NQ57 pages' KPI rows
OVERALL = "dti_overall"
UNIT_VI, UNIT_EN = "chỉ số 0–1", "index 0–1"
DECIMALS = 4  # the Ministry publishes the indices to four decimals (0,6420)

# code: (Vietnamese name, English name), the overall index first, then the main indices in the
# framework's order
NAMES = {
    OVERALL: ("Chỉ số chuyển đổi số cấp tỉnh (DTI)", "Provincial Digital Transformation Index (DTI)"),
    "dti_awareness": ("Chỉ số Nhận thức số", "Digital awareness index"),
    "dti_institutions": ("Chỉ số Thể chế số", "Digital institutions index"),
    "dti_infrastructure": ("Chỉ số Hạ tầng số", "Digital infrastructure index"),
    "dti_human_resources": ("Chỉ số Nhân lực số", "Digital human resources index"),
    "dti_security": ("Chỉ số An toàn thông tin mạng", "Information security index"),
    "dti_government": ("Chỉ số Chính quyền số", "Digital government index"),
    "dti_economy": ("Chỉ số Kinh tế số", "Digital economy index"),
    "dti_society": ("Chỉ số Xã hội số", "Digital society index"),
}
CODES = tuple(NAMES)
MAIN_INDICES = CODES[1:]
FIRST_SORT_ORDER = 500  # after the ten NQ57 indicators (10–100) and room for those administrators add

INDICATORS = tuple(
    IndicatorDef(code, vi, en, UNIT_VI, UNIT_EN, "none", GROUP, Plausible(0, 1, integer=False), DECIMALS,
                 higher_is_better=True, frequency="yearly", levels=("province",),
                 sort_order=FIRST_SORT_ORDER + position)
    for position, (code, (vi, en)) in enumerate(NAMES.items()))
