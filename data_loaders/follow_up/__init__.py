"""Follow-up: a leader's directions (ý kiến chỉ đạo) on a task or a unit, the responsible unit's
answers with evidence, and who may do which (directions.py, evidence.py)."""
