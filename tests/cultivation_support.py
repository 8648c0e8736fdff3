"""A generated class of 40 for each seed assessment scheme: the people's facts and their score entries.

The facts are plain numbers so that a test can compute the expected scores by hand from them; the
entries are what a branch would record for those facts (shared by the scoring and the CLI tests).
"""
from __future__ import annotations

import random

from workflow.cultivation.entries import parse_entries


def entry(person, indicator, value=None, on="2025-10-10"):
    return parse_entries([{
        "person": person, "indicator": indicator, "date": on, "value": value,
        "evidence": {"note": "测试"}, "scored_by": "党小组长", "scored_on": on}])[0]


def vote(expected, present, **votes):
    return {"expected": expected, "present": present, "votes": votes}


def generated_class_000(seed=12):
    rng = random.Random(seed)
    ranks = list(range(1, 41))
    rng.shuffle(ranks)
    people = []
    for i in range(40):
        present = rng.randint(30, 40)
        good = rng.randint(present // 2, present)  # at least half approve: no random veto
        fair = rng.randint(0, present - good)
        weak = rng.randint(0, present - good - fair)
        people.append({"id": f"S{i + 1:02d}", "rank": ranks[i], "cet": rng.choice(["六级", "四级", "未通过"]),
                       "research": rng.choice([0, 0, 0, 1, 3]), "failed": 0, "notes": rng.randint(0, 7),
                       "reports": rng.randint(0, 3), "hours": [rng.choice([1, 1.5, 2.5, 4, 6]) for _ in range(rng.randint(0, 6))],
                       "peer": rng.randint(0, 5), "vote": (40, present, good, fair, weak, present - good - fair - weak)})
    # two students equal in everything (one academic 103 capped at 100, one exactly 100): one shared position
    people[0].update(rank=1, cet="六级", research=0, notes=6, reports=2, hours=[10, 10, 4], peer=5, vote=(40, 40, 30, 10, 0, 0))
    people[1].update(rank=5, cet="六级", research=2, notes=6, reports=2, hours=[24], peer=4, vote=(40, 40, 20, 20, 0, 0))
    # equal totals 84, broken by the handbook: S03 (handbook 80, class 80) before S04 (handbook 75, class 95)
    people[2].update(rank=2, cet="六级", research=0, notes=5, reports=2, hours=[6, 4], peer=3, vote=(40, 40, 12, 20, 8, 0))
    people[3].update(rank=3, cet="六级", research=0, notes=5, reports=1, hours=[10], peer=4, vote=(40, 40, 30, 8, 2, 0))
    people[4].update(failed=1)                        # veto: a failed course
    people[5].update(vote=(40, 26, 20, 6, 0, 0))      # 26 of 40 present, under two thirds: incomplete
    people[6].update(vote=(40, 36, 5, 10, 11, 10))    # 15 of 36 approve: under half, vetoed
    return people


def entries_000(people):
    out = []
    for p in people:
        sid = p["id"]
        out.append(entry(sid, "course_rank", {"rank": p["rank"], "of": 40}, "2026-01-15"))
        out.append(entry(sid, "cet", p["cet"], "2025-12-20"))
        out += [entry(sid, "research", None, "2025-11-01") for _ in range(p["research"])]
        if p["failed"]:
            out.append(entry(sid, "failed_courses", p["failed"], "2026-01-20"))
        out += [entry(sid, "study_notes", None, f"2025-{9 + k % 4:02d}-{1 + k % 8:02d}") for k in range(p["notes"])]
        out += [entry(sid, "study_reports", 1, "2025-12-01") for _ in range(p["reports"])]
        out += [entry(sid, "volunteer_hours", h, "2025-10-01") for h in p["hours"]]
        out += [entry(sid, "peer_help", None, "2025-11-11") for _ in range(p["peer"])]
        expected, present, good, fair, weak, bad = p["vote"]
        out.append(entry(sid, "class_vote", vote(expected, present, 优秀=good, 合格=fair, 基本合格=weak, 不合格=bad),
                         "2026-01-08"))
        out.append(entry(sid, "volunteer_hours", 30, "2026-03-05"))  # next semester: not counted here
    return out


def generated_class_004(seed=4):
    rng = random.Random(seed)
    ranks = list(range(1, 41))
    rng.shuffle(ranks)
    people = []
    for i in range(40):
        present = rng.randint(6, 10)
        a = rng.randint(0, present)
        b = rng.randint(0, present - a)
        c = rng.randint(0, present - a - b)
        if a + b + c == 0:
            a = 1
        people.append({
            "id": f"G{i + 1:02d}", "att": rng.choice([100, 95, 85, 70]), "exam": rng.randint(62, 99),
            "reports": rng.randint(0, 6), "notes": rng.randint(0, 3), "talks": rng.randint(0, 2), "rank": ranks[i],
            "contests": rng.randint(0, 2), "certs": rng.randint(0, 3), "failed": 0, "sanctions": 0,
            "campus": [rng.choice([1, 2, 3.5]) for _ in range(rng.randint(0, 5))],
            "community": [rng.choice([2, 4]) for _ in range(rng.randint(0, 3))],
            "serving": rng.choice([3, 3.5, 4, 4.5, 5]), "summer": rng.choice(["优秀", "合格", "未参加"]),
            "students": (10, present, a, b, c, present - a - b - c),
            "contact": rng.choice([3, 4, 4.5, 5]), "counsellor": rng.choice([3, 4, 5]), "teacher": rng.choice([3.5, 4, 5]),
            "dorm": rng.choice([3, 4, 5]), "class_att": rng.choice([100, 96, 92, 85]), "manners": rng.choice([4, 5])})
    people[0].update(exam=58)          # veto: the training's final exam failed
    people[1].update(sanctions=1)      # veto: a disciplinary sanction
    people[2].update(students=(10, 5, 5, 0, 0, 0))  # exactly half present: not more than half, incomplete
    people[3].update(campus=[6, 6, 6], community=[4, 4, 4])  # 18 h and 12 h: both capped at 5 points
    strong = dict(att=100, exam=95, reports=4, notes=2, talks=2, contests=2, certs=2, campus=[5, 5], community=[4, 4, 2],
                  serving=5, summer="优秀", students=(10, 10, 8, 2, 0, 0), contact=5, counsellor=5, teacher=5, dorm=5,
                  class_att=100, manners=5)
    people[4].update(strong)
    people[5].update(strong, exam=85, students=(10, 9, 4, 4, 1, 0), teacher=4)
    people[6].update(strong, att=90, contests=1, summer="合格")
    return people


def entries_004(people):
    out = []
    for p in people:
        g = p["id"]
        out += [entry(g, "training_attendance", p["att"]), entry(g, "final_exam", p["exam"], "2025-11-20")]
        out += [entry(g, "thought_reports", None, "2025-10-01") for _ in range(p["reports"])]
        out += [entry(g, "study_notes", None, "2026-04-01") for _ in range(p["notes"])]
        out += [entry(g, "theory_talks", 1, "2026-05-01") for _ in range(p["talks"])]
        out += [entry(g, "course_rank", {"rank": p["rank"], "of": 40}, "2026-07-01")]
        out += [entry(g, "competitions", None) for _ in range(p["contests"])]
        out += [entry(g, "certificates", None) for _ in range(p["certs"])]
        out += [entry(g, "campus_hours", h) for h in p["campus"]] + [entry(g, "community_hours", h) for h in p["community"]]
        out += [entry(g, "serving_others", p["serving"], "2026-06-30"), entry(g, "summer_practice", p["summer"], "2026-08-20")]
        expected, present, a, b, c, d = p["students"]
        out.append(entry(g, "student_vote", vote(expected, present, 优秀=a, 合格=b, 基本合格=c, 不合格=d), "2026-06-20"))
        out += [entry(g, "contact_rating", p["contact"], "2026-06-20"), entry(g, "counsellor_rating", p["counsellor"], "2026-06-20"),
                entry(g, "teacher_rating", p["teacher"], "2026-06-20"), entry(g, "dorm", p["dorm"], "2026-06-20"),
                entry(g, "class_attendance", p["class_att"], "2026-06-20"), entry(g, "manners", p["manners"], "2026-06-20")]
        if p["sanctions"]:
            out.append(entry(g, "sanctions", p["sanctions"], "2026-03-03"))
    return out
