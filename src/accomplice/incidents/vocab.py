"""Controlled vocabularies of the incident record, each term with its labels in en/ko/zh/ru.

The act types follow what the field documents of North Korea's enablers (forced labour by sector, forced
repatriation, detention after return, trafficking by purpose, abduction, surveillance and threats to
family); HURIDOCS ESF leaves the thesaurus to the documenting organisation, so these are ours. The record
`type` of the shared incidents file maps onto them through `RECORD_TYPES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "ACT_TYPES",
    "CONNECTIONS",
    "CONSENT_SCOPES",
    "INVOLVEMENT_DEGREES",
    "LANGUAGES",
    "PERPETRATOR_KINDS",
    "PLACE_PRECISIONS",
    "RECORD_TYPES",
    "ROLES",
    "Term",
    "label",
]

LANGUAGES = ("en", "ko", "zh", "ru")


@dataclass(frozen=True, slots=True)
class Term:
    code: str
    en: str
    ko: str
    zh: str
    ru: str

    def label(self, language: str = "en") -> str:
        return str(getattr(self, language, self.en)) if language in LANGUAGES else self.en


def _terms(*terms: Term) -> Mapping[str, Term]:
    return {t.code: t for t in terms}


ACT_TYPES: Mapping[str, Term] = _terms(
    Term("forced_labour", "Forced labour", "강제노동", "强迫劳动", "Принудительный труд"),
    Term(
        "forced_labour_seafood",
        "Forced labour: seafood processing",
        "강제노동: 수산물 가공",
        "强迫劳动：海产品加工",
        "Принудительный труд: переработка морепродуктов",
    ),
    Term(
        "forced_labour_construction",
        "Forced labour: construction",
        "강제노동: 건설",
        "强迫劳动：建筑",
        "Принудительный труд: строительство",
    ),
    Term(
        "forced_labour_logging",
        "Forced labour: logging",
        "강제노동: 벌목",
        "强迫劳动：伐木",
        "Принудительный труд: лесозаготовки",
    ),
    Term(
        "forced_labour_garments",
        "Forced labour: garments and textiles",
        "강제노동: 의류·섬유",
        "强迫劳动：服装纺织",
        "Принудительный труд: швейное производство",
    ),
    Term(
        "forced_labour_it",
        "Forced labour: IT work",
        "강제노동: IT",
        "强迫劳动：信息技术",
        "Принудительный труд: ИТ",
    ),
    Term("forced_repatriation", "Forced repatriation", "강제송환", "强制遣返", "Принудительная репатриация"),
    Term(
        "detention_after_return",
        "Detention after return",
        "송환 후 구금",
        "遣返后拘押",
        "Задержание после возвращения",
    ),
    Term("detention", "Arbitrary detention", "자의적 구금", "任意拘押", "Произвольное задержание"),
    Term(
        "trafficking_marriage",
        "Trafficking for marriage",
        "강제결혼 인신매매",
        "以婚姻为目的的人口贩卖",
        "Торговля людьми для брака",
    ),
    Term(
        "trafficking_sex",
        "Trafficking for sexual exploitation",
        "성착취 인신매매",
        "以性剥削为目的的人口贩卖",
        "Торговля людьми для сексуальной эксплуатации",
    ),
    Term(
        "trafficking_cybersex",
        "Trafficking for cybersex",
        "사이버섹스 인신매매",
        "以网络色情为目的的人口贩卖",
        "Торговля людьми для киберсекса",
    ),
    Term("abduction", "Abduction", "납치", "绑架", "Похищение"),
    Term(
        "surveillance_threats_family",
        "Surveillance and threats to family",
        "감시 및 가족 협박",
        "监视与威胁家人",
        "Слежка и угрозы семье",
    ),
    Term("killing", "Killing", "살해", "杀害", "Убийство"),
    Term(
        "transnational_repression",
        "Transnational repression",
        "초국가적 탄압",
        "跨国镇压",
        "Транснациональные репрессии",
    ),
    Term("other", "Other", "기타", "其他", "Другое"),
)

# The `type` of a record in the shared incidents file → the act type it is recorded as.
RECORD_TYPES: Mapping[str, str] = {
    "forced_labour": "forced_labour",
    "refoulement": "forced_repatriation",
    "detention": "detention_after_return",
    "trafficking": "trafficking_sex",
    "transnational_repression": "transnational_repression",
    "other": "other",
}

# ESF's roles of a person in an event.
ROLES: Mapping[str, Term] = _terms(
    Term("victim", "Victim", "피해자", "受害者", "Пострадавший"),
    Term("perpetrator", "Perpetrator", "가해자", "加害者", "Исполнитель"),
    Term("witness", "Witness or source", "증인·제보자", "证人或消息来源", "Свидетель или источник"),
    Term("intervening", "Intervening party", "개입 당사자", "介入方", "Вмешавшаяся сторона"),
)

PERPETRATOR_KINDS: Mapping[str, Term] = _terms(
    Term("state_agency", "State agency", "국가기관", "国家机关", "Государственный орган"),
    Term("company", "Company", "기업", "公司", "Компания"),
    Term("person", "Person", "개인", "个人", "Лицо"),
    Term("facility", "Facility", "시설", "设施", "Объект"),
)

# ESF's degree of involvement of a perpetrator in an act.
INVOLVEMENT_DEGREES: Mapping[str, Term] = _terms(
    Term("direct", "Direct perpetrator", "직접 가해", "直接实施", "Непосредственный исполнитель"),
    Term("command", "Command responsibility", "지휘 책임", "指挥责任", "Ответственность командования"),
    Term("complicit", "Complicit", "공모", "共谋", "Соучастие"),
    Term("beneficiary", "Beneficiary", "수익자", "受益者", "Выгодоприобретатель"),
    Term("alleged", "Alleged", "혐의", "涉嫌", "Предполагаемое участие"),
)

# The source's connection to what it reports (Admiralty practice asks for it beside the grade).
CONNECTIONS: Mapping[str, Term] = _terms(
    Term("witness", "Eyewitness", "목격자", "目击者", "Очевидец"),
    Term("hearsay", "Hearsay", "전언", "传闻", "Со слов других"),
    Term("document", "Document", "문서", "文件", "Документ"),
    Term("imagery", "Imagery", "영상·사진", "图像", "Изображения"),
)

# What a victim agreed to: each scope includes the narrower ones before it.
CONSENT_SCOPES: Mapping[str, Term] = _terms(
    Term("internal", "Internal only", "내부 전용", "仅限内部", "Только для внутреннего использования"),
    Term(
        "share-un",
        "Share with the UN repository",
        "유엔 기록보존소 공유",
        "与联合国存档库共享",
        "Передача в архив ООН",
    ),
    Term(
        "publish-anonymised",
        "Publish anonymised",
        "익명 공개",
        "匿名公开",
        "Публикация в обезличенном виде",
    ),
)

PLACE_PRECISIONS: Mapping[str, Term] = _terms(
    Term("country", "Country", "국가", "国家", "Страна"),
    Term("province", "Province", "성·도", "省", "Область"),
    Term("city", "City", "도시", "城市", "Город"),
    Term("facility", "Facility", "시설", "设施", "Объект"),
    Term("coordinates", "Coordinates", "좌표", "坐标", "Координаты"),
)


def label(vocabulary: Mapping[str, Term], code: str, language: str = "en") -> str:
    """The label of `code` in `language`; the code itself for a term the vocabulary lacks."""
    term = vocabulary.get(code)
    return term.label(language) if term else code
