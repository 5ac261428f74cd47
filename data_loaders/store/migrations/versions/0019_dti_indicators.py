"""the provincial DTI main indices as national catalogue entries (overall index and its eight main
indices: per province, yearly, 0–1, not rolled up, higher is better); store/dti.py gives the source

Revision ID: 0019
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0013"
branch_labels = None
depends_on = None

# Frozen here as store/dti.py defined them (a later change of that module must not rewrite history):
# code: (name_vi, name_en, sort order)
DTI = {
    "dti_overall": ("Chỉ số chuyển đổi số cấp tỉnh (DTI)", "Provincial Digital Transformation Index (DTI)", 500),
    "dti_awareness": ("Chỉ số Nhận thức số", "Digital awareness index", 501),
    "dti_institutions": ("Chỉ số Thể chế số", "Digital institutions index", 502),
    "dti_infrastructure": ("Chỉ số Hạ tầng số", "Digital infrastructure index", 503),
    "dti_human_resources": ("Chỉ số Nhân lực số", "Digital human resources index", 504),
    "dti_security": ("Chỉ số An toàn thông tin mạng", "Information security index", 505),
    "dti_government": ("Chỉ số Chính quyền số", "Digital government index", 506),
    "dti_economy": ("Chỉ số Kinh tế số", "Digital economy index", 507),
    "dti_society": ("Chỉ số Xã hội số", "Digital society index", 508),
}
CREATED_BY = "migration:0019"


def upgrade() -> None:
    indicator = sa.table(
        "indicator", sa.column("code", sa.String), sa.column("name_vi", sa.String), sa.column("name_en", sa.String),
        sa.column("unit_vi", sa.String), sa.column("unit_en", sa.String), sa.column("rollup", sa.String),
        sa.column("integer", sa.Boolean), sa.column("minimum", sa.Float), sa.column("maximum", sa.Float),
        sa.column("decimals", sa.Integer), sa.column("group", sa.String), sa.column("higher_is_better", sa.Boolean),
        sa.column("frequency", sa.String), sa.column("reporting_levels", sa.String),
        sa.column("owner_province_code", sa.String), sa.column("created_by", sa.String),
        sa.column("sort_order", sa.Integer))
    known = set(op.get_bind().execute(sa.select(indicator.c.code)).scalars())
    rows = [{"code": code, "name_vi": vi, "name_en": en, "unit_vi": "chỉ số 0–1", "unit_en": "index 0–1",
             "rollup": "none", "integer": False, "minimum": 0.0, "maximum": 1.0, "decimals": 4, "group": "dti",
             "higher_is_better": True, "frequency": "yearly", "reporting_levels": "province",
             "owner_province_code": None, "created_by": CREATED_BY, "sort_order": order}
            for code, (vi, en, order) in DTI.items() if code not in known]  # an administrator's own stays
    if rows:
        op.bulk_insert(indicator, rows)


def downgrade() -> None:
    # values are data: an entry that a value or a note refers to stays (it is then an ordinary indicator)
    op.execute(sa.text(
        "DELETE FROM indicator WHERE created_by = :by"
        " AND code NOT IN (SELECT indicator_code FROM indicator_value)"
        " AND code NOT IN (SELECT indicator_code FROM annotation)").bindparams(by=CREATED_BY))
