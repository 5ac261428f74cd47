"""Deterministic sample data that tells the truth of the 2 July 2025 review conference.

National totals as of 2025-06-30 reproduce every `sample_must_match` figure of
reference/resolution57_facts.yaml exactly; how they are spread over provinces and communes is
simulated (population-aware, seeded). The output is two canonical workbooks, written with the same
templates staff fill in, and loaded through the same importer as any upload.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from pathlib import Path

from data_loaders.ingest.read import month_end
from data_loaders.ingest.templates import write_indicator_workbook, write_task_workbook
from data_loaders.store import dti
from data_loaders.store.catalogue import AREAS, plans, reference_facts
from data_loaders.units.divisions import Unit, all_units

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"
TASKS_FILE = "nq57_tien_do_nhiem_vu_mau.xlsx"
INDICATORS_FILE = "nq57_chi_tieu_theo_xa_mau.xlsx"
DTI_FILE = "nq57_dti_tinh_mau.xlsx"  # the provinces' DTI main indices: simulated, never official
DTI_YEAR = 2024  # the last year assessed before the sample's half-year (its period, 12/2024, precedes 30/06/2025)
DTI_TITLES = (f"CHỈ SỐ CHUYỂN ĐỔI SỐ CẤP TỈNH (DTI) NĂM {DTI_YEAR} – DỮ LIỆU MẪU",
              "DỮ LIỆU MẪU – không phải số liệu chính thức: giá trị mô phỏng để thử phần mềm, "
              "không phải kết quả DTI do Bộ công bố. / SAMPLE DATA – not official figures.")
SEED = 57
YEAR = 2025
MONTHS = range(1, 7)  # January–June 2025
# GSO: average population of Viet Nam in 2024, 101.3 million; spread over communes by type and density.
NATIONAL_POPULATION = 101_300_000
# Shares of the June figure reached in each earlier month (growth through the first half-year).
_GROWTH = {1: 0.43, 2: 0.52, 3: 0.62, 4: 0.74, 5: 0.86, 6: 1.0}
_SLOW_GROWTH = {1: 0.93, 2: 0.945, 3: 0.96, 4: 0.97, 5: 0.985, 6: 1.0}

MINISTRIES = (
    ("Bộ Khoa học và Công nghệ", 30),
    ("Bộ Công an", 8),
    ("Bộ Tài chính", 7),
    ("Bộ Giáo dục và Đào tạo", 7),
    ("Bộ Nội vụ", 6),
    ("Bộ Công Thương", 5),
    ("Bộ Tư pháp", 5),
    ("Bộ Quốc phòng", 4),
    ("Bộ Y tế", 4),
    ("Bộ Nông nghiệp và Môi trường", 4),
    ("Bộ Xây dựng", 4),
    ("Bộ Văn hóa, Thể thao và Du lịch", 3),
    ("Bộ Ngoại giao", 2),
    ("Ngân hàng Nhà nước Việt Nam", 3),
    ("Văn phòng Chính phủ", 3),
)
_SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
             "Dương")
_MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Quốc", "Ngọc", "Thu", "Xuân")
_GIVEN = ("An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hùng", "Hương", "Lan", "Long", "Mai", "Nam",
          "Phong", "Quân", "Sơn", "Tâm", "Thảo", "Trung", "Tuấn", "Việt", "Yến", "Khánh", "Linh")
_TITLES = {
    "institutions": ("Hoàn thiện quy định về {x}",
                     ("cơ chế thử nghiệm có kiểm soát", "quỹ phát triển khoa học và công nghệ",
                                                     "khoán chi nhiệm vụ khoa học", "dữ liệu mở", "chữ ký số")),
    "digital_infrastructure": ("Phát triển {x}", ("mạng 5G", "hạ tầng cáp quang đến thôn, bản", "trung tâm dữ liệu",
                                                  "phủ sóng di động thôn lõm sóng", "hạ tầng điện toán đám mây")),
    "human_resources": ("Đào tạo, thu hút {x}", ("nhân lực công nghệ số", "chuyên gia trí tuệ nhân tạo",
                                                 "kỹ sư bán dẫn", "cán bộ chuyển đổi số cấp xã",
                                                 "nhà khoa học đầu ngành")),
    "research": ("Triển khai chương trình {x}", ("nghiên cứu công nghệ chiến lược", "khoa học và công nghệ trọng điểm",
                                                  "phát triển sản phẩm công nghệ số chủ lực",
                                                  "nghiên cứu vật liệu mới")),
    "innovation": ("Xây dựng {x}", ("trung tâm đổi mới sáng tạo", "hệ sinh thái khởi nghiệp", "sàn giao dịch công nghệ",
                                    "vườn ươm doanh nghiệp công nghệ")),
    "digital_transformation": ("Số hóa và vận hành {x}", ("cơ sở dữ liệu dân cư", "dịch vụ công trực tuyến toàn trình",
                                                          "cơ sở dữ liệu đất đai", "hồ sơ sức khỏe điện tử",
                                                          "hệ thống báo cáo số")),
    "cybersecurity": ("Bảo đảm {x}", ("an toàn thông tin hệ thống", "an ninh mạng cho dữ liệu quốc gia",
                                      "giám sát an toàn thông tin tập trung")),
}


@dataclass
class SampleTask:
    code: str
    title: str
    plan: str
    area: str
    lead_agency: str
    owner: Unit
    responsible_official: str
    deadline: dt.date
    reports: list[tuple[dt.date, str, float, str | None]]  # (date, status, progress, note)


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to weights that add up to exactly `total` (largest remainder)."""
    weight_sum = sum(weights)
    quotas = [total * w / weight_sum for w in weights]
    counts = [math.floor(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: quotas[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _urban_factor(unit: Unit) -> float:
    return {"phường": 3.0, "đặc khu": 0.6}.get(unit.division_type, 1.0)


def _big_city_factor(unit: Unit) -> float:
    # Ha Noi (01) and Ho Chi Minh City (79) hold most people and enterprises; then Da Nang (48),
    # Hai Phong (31), Can Tho (92)
    return {"01": 2.0, "79": 1.7, "48": 1.4, "31": 1.4, "92": 1.2}.get(unit.province_code, 1.0)


def commune_populations(rng: random.Random, communes: list[Unit]) -> list[int]:
    weights = []
    for unit in communes:
        base = {"phường": 32_000, "đặc khu": 9_000}.get(unit.division_type, 22_000)
        density_boost = 1.0 + min(2.0, (unit.area_km2 or 50) ** -0.25 * 2) if unit.division_type == "phường" else 1.0
        weights.append(base * density_boost * _big_city_factor(unit) * rng.lognormvariate(0, 0.35))
    return _apportion(NATIONAL_POPULATION, weights)


def indicator_rows(rng: random.Random, communes: list[Unit]) -> list[dict]:
    """One row per commune and month, with every indicator of the canonical workbook."""
    facts = reference_facts()
    infrastructure, ecosystem = facts["digital_infrastructure"], facts["ecosystem"]
    population = commune_populations(rng, communes)
    urban = [_urban_factor(u) * _big_city_factor(u) for u in communes]
    stations_june = _apportion(infrastructure["fiveg_stations"],
                               [p * w * rng.uniform(0.3, 1.7) for p, w in zip(population, urban)])
    coverage_june = _calibrated_coverage(stations_june, population, target=26.5)
    fibre_june = [round(min(99.5, max(35.0, (93 if u.division_type == "phường" else 74) + rng.gauss(0, 7))), 1)
                  for u in communes]
    density = [p / max(u.area_km2 or 100.0, 1.0) for p, u in zip(population, communes)]
    remote = [1.0 / (1.0 + d / 60.0) ** 2 if u.division_type != "phường" else 0.0 for d, u in zip(density, communes)]
    no_signal_june = _apportion(1_102, remote)
    no_power_june = _apportion(416, [r ** 1.5 for r in remote])
    business = [p * w ** 1.3 for p, w in zip(population, urban)]
    st_june = _apportion(ecosystem["st_enterprises"], business)
    high_tech_june = _apportion(ecosystem["high_tech_enterprises"], [b ** 1.15 for b in business])
    digital_june = _apportion(73_412, business)
    ai_june = _apportion(ecosystem["ai_experts_mobilised"], [b ** 1.25 for b in business])
    def values(i: int, month: int) -> dict:
        growth, slow = _GROWTH[month], _SLOW_GROWTH[month]
        june = month == 6
        return {
            "population": population[i],
            "fiveg_stations": stations_june[i] if june else math.floor(stations_june[i] * growth),
            "fiveg_coverage_pct": coverage_june[i] if june else round(coverage_june[i] * growth, 1),
            "fiber_coverage_pct": round(fibre_june[i] * slow, 1),
            "villages_no_signal": round(no_signal_june[i] * (2.6 - 1.6 * growth)),
            "villages_no_power": round(no_power_june[i] * (1.3 - 0.3 * growth)),
            # rounded, not floored: a commune's one enterprise in June was mostly there in March too
            "st_enterprises": st_june[i] if june else round(st_june[i] * slow),
            "high_tech_enterprises": high_tech_june[i] if june else round(high_tech_june[i] * slow),
            "digital_tech_enterprises": digital_june[i] if june else round(digital_june[i] * slow),
            "ai_experts": ai_june[i] if june else round(ai_june[i] * growth),
        }

    late = _late_reporters(communes)
    rows = []
    for month in MONTHS:
        for i, unit in enumerate(communes):
            if i in late and month == 6:
                continue  # has not sent June yet: its May report already carries the latest figures
            figures = values(i, 6) if i in late and month == 5 else values(i, month)
            rows.append({"unit": unit, "period": month_end(YEAR, month), **figures})
    return rows


def _late_reporters(communes: list[Unit]) -> set[int]:
    """Communes that have not reported the latest month (so that the data-quality view has something
    true to show): a fifth of the communes of four provinces, and one in a hundred elsewhere. Their
    latest figures sit in their May report, so every national total as of 30/06/2025 is unchanged.
    A separate seeded generator keeps every other sample figure as it was."""
    rng = random.Random(SEED + 1)
    provinces = sorted({u.province_code for u in communes})
    lagging = set(rng.sample(provinces, 4))
    return {i for i, unit in enumerate(communes)
            if rng.random() < (0.2 if unit.province_code in lagging else 0.01)}


def _calibrated_coverage(stations: list[int], population: list[int], target: float) -> list[float]:
    """Per-commune 5G coverage (saturating in stations per inhabitant) whose population-weighted
    national mean, after rounding to one decimal, is `target` within 0.05."""

    def coverage(scale: float) -> list[float]:
        return [round(100 * (1 - math.exp(-scale * s / max(p, 1) * 10_000)), 1) for s, p in zip(stations, population)]

    def weighted(values: list[float]) -> float:
        return sum(v * p for v, p in zip(values, population)) / sum(population)

    low, high = 0.0, 50.0
    for _ in range(80):
        middle = (low + high) / 2
        if weighted(coverage(middle)) < target:
            low = middle
        else:
            high = middle
    return coverage(high)


def sample_tasks(rng: random.Random, units: tuple[Unit, ...]) -> list[SampleTask]:
    facts = reference_facts()
    task_facts = facts["tasks"]
    as_of = facts["as_of"]
    statuses = (["completed"] * task_facts["completed"] + ["on_schedule"] * task_facts["in_progress_on_schedule"]
                + ["overdue"] * task_facts["overdue"])
    rng.shuffle(statuses)
    provinces = [u for u in units if u.level == "province"]
    communes = [u for u in units if u.level == "commune"]
    national = units[0]
    total = task_facts["total"]
    central_count, commune_count = 281, 85
    province_counts = _apportion(total - central_count - commune_count,
                                 [1.0 + (9 if p.code in ("01", "79") else 0) for p in provinces])
    owners: list[Unit] = [national] * central_count
    for province, count in zip(provinces, province_counts):
        owners += [province] * count
    owners += rng.sample(communes, commune_count)
    plan_codes = [p.code for p in plans()]
    ministries = [name for name, _ in MINISTRIES]
    ministry_weights = [weight for _, weight in MINISTRIES]
    tasks = []
    sequence: dict[str, int] = {}
    for owner, status in zip(owners, statuses):
        sequence[owner.code] = sequence.get(owner.code, 0) + 1
        area = rng.choice(AREAS).code
        pattern, subjects = _TITLES[area]
        place = "" if owner.level == "national" else f" tại {owner.name}"
        title = pattern.format(x=rng.choice(subjects)) + place
        if owner.level == "national":
            agency = rng.choices(ministries, ministry_weights)[0]
        elif owner.level == "province":
            city = owner.name.startswith("Thành phố ")
            short = owner.name.removeprefix("Thành phố ")
            formal = f"thành phố {short}" if city else f"tỉnh {short}"  # "Công an thành phố Hà Nội"
            agency = rng.choice((f"Sở Khoa học và Công nghệ {short}", f"Văn phòng Ủy ban nhân dân {formal}",
                                 f"Sở Tài chính {short}", f"Sở Giáo dục và Đào tạo {short}", f"Công an {formal}"))
        else:
            agency = f"Ủy ban nhân dân {owner.name[0].lower()}{owner.name[1:]}"  # "… nhân dân xã Phú Cát"
        official = f"{rng.choice(_SURNAMES)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}"
        start = dt.date(YEAR, 1, 15) + dt.timedelta(days=rng.randrange(0, 140))
        if status == "overdue":
            deadline = as_of - dt.timedelta(days=rng.choice((3, 12, 25, 40, 55, 70, 95, 120)))
            deadline = max(deadline, start + dt.timedelta(days=20))
        elif status == "on_schedule":
            deadline = as_of + dt.timedelta(days=rng.randrange(1, 540))
        else:
            deadline = max(as_of + dt.timedelta(days=rng.randrange(-120, 400)), start + dt.timedelta(days=30))
        reports = _task_reports(rng, start, deadline, status, as_of)
        tasks.append(SampleTask(
            code=f"NQ57-{owner.code}-{sequence[owner.code]:03d}", title=title, plan=rng.choices(plan_codes, (2, 1))[0],
            area=area, lead_agency=agency, owner=owner, responsible_official=official, deadline=deadline,
            reports=reports,
        ))
    return tasks


def _task_reports(rng: random.Random, start: dt.date, deadline: dt.date, status: str, as_of: dt.date):
    """Month-end reports from the start to `as_of`; the last one gives the status wanted at `as_of`."""
    dates = [start]
    month = start.month
    while month <= as_of.month:
        day = month_end(YEAR, month)
        if day > start:
            dates.append(day)
        month += 1
    if status == "completed" and len(dates) > 1:
        dates = dates[: rng.randint(max(2, len(dates) // 2), len(dates))]  # finished in some month, then silent
    elif len(dates) > 2 and rng.random() < 0.12:
        dates = dates[: len(dates) - rng.choice((1, 2))]  # stalled: no report lately
    reports = []
    final_progress = {"completed": 100.0, "on_schedule": rng.uniform(20, 90), "overdue": rng.uniform(10, 85)}[status]
    for i, day in enumerate(dates):
        share = (i + 1) / len(dates)
        progress = round(final_progress * share / 5) * 5 if i < len(dates) - 1 else round(final_progress)
        if i == 0:
            state = "not_started" if progress == 0 else "in_progress"
            progress = 0.0 if len(dates) > 1 else progress
            state = "not_started" if progress == 0 else "in_progress"
        else:
            state = "in_progress"
        note = None
        if i == len(dates) - 1 and status == "completed":
            state, progress, note = "completed", 100.0, "Đã nghiệm thu, bàn giao"
        elif i == len(dates) - 1 and status == "overdue":
            note = "Chậm so với kế hoạch, đang đôn đốc"
        reports.append((day, state, float(min(progress, 95.0) if state != "completed" else 100.0), note))
    return reports


def dti_rows(units: tuple[Unit, ...]) -> list[dict]:
    """The sample DTI of every province for DTI_YEAR: each main index simulated (0–1, larger and more
    urban provinces a little ahead, seeded), the overall index their mean. Not official results."""
    rng = random.Random(f"{SEED}-dti")
    provinces = [u for u in units if u.level == "province"]
    communes: dict[str, list[Unit]] = {}
    for unit in units:
        if unit.level == "commune":
            communes.setdefault(unit.province_code, []).append(unit)
    rows = []
    for province in provinces:
        own = communes.get(province.code, [])
        urban = sum(1 for c in own if c.division_type == "phường") / max(len(own), 1)  # share of wards
        base = 0.45 + 0.25 * urban + rng.uniform(-0.06, 0.08)
        indices = {code: round(min(max(base + rng.uniform(-0.12, 0.12), 0.05), 0.98), 4) for code in dti.MAIN_INDICES}
        rows.append({"unit": province, "period": dt.date(DTI_YEAR, 12, 1),
                     dti.OVERALL: round(sum(indices.values()) / len(indices), 4), **indices})
    return rows


def generate(out_dir: Path = SAMPLE_DIR) -> tuple[Path, Path, Path]:
    """Write the three sample workbooks; the same seed always gives the same content."""
    rng = random.Random(SEED)
    units = all_units()
    communes = [u for u in units if u.level == "commune"]
    out_dir.mkdir(parents=True, exist_ok=True)
    indicators_path = out_dir / INDICATORS_FILE
    write_indicator_workbook(indicators_path, indicator_rows(rng, communes), sample=True)
    tasks_path = out_dir / TASKS_FILE
    write_task_workbook(tasks_path, sample_tasks(rng, units), sample=True)
    dti_path = out_dir / DTI_FILE
    write_indicator_workbook(dti_path, dti_rows(units), sample=True, indicators=dti.INDICATORS, titles=DTI_TITLES)
    return tasks_path, indicators_path, dti_path
