"""Chinese words for the dossier's machine values (ids, enums), as printed on the forms."""
from __future__ import annotations

NOMINATION = {"party_members": "党员推荐", "league": "团组织推优", "mass_organisation": "群团组织推优"}
MEMBER_STATUS = {"full": "正式党员", "probationary": "预备党员"}
CONCLUSION = {"qualified": "合格", "not_qualified": "不合格"}
PRE_REVIEW = {"passed": "通过", "rejected": "未通过"}
ADMISSION_OUTCOME = {"passed": "通过", "rejected": "未通过"}
CONVERSION_OUTCOME = {"convert": "按期转为正式党员", "extend": "延长预备期", "cancel": "取消预备党员资格"}
ASSESSMENT_PERIOD = {"activist": "入党积极分子培养教育考察", "probation": "预备党员教育考察"}
PUBLICITY_KIND = {"activist": "入党积极分子", "candidate": "发展对象", "admission": "拟接收预备党员",
                  "conversion": "预备党员转正"}
CASE_EVENT = {"withdraw": "本人撤回", "not_admitted": "决定不予发展", "transfer_out": "组织关系转出",
              "transfer_in": "组织关系转入"}

ALL = {"nomination": NOMINATION, "status": MEMBER_STATUS, "conclusion": CONCLUSION, "pre_review": PRE_REVIEW,
       "admission_outcome": ADMISSION_OUTCOME, "conversion_outcome": CONVERSION_OUTCOME,
       "period": ASSESSMENT_PERIOD, "publicity": PUBLICITY_KIND, "case_event": CASE_EVENT}
