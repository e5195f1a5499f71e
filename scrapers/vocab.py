"""Controlled vocabularies: UK regions (ITL1 plus online and uk-wide) and professions.

Region names are the official ITL1 names published by the Office for National
Statistics (Open Government Licence v3.0). Profession slugs follow the Civil Service
professions and the DDaT capability framework; see the README for the mapping.
"""

from __future__ import annotations

REGIONS: dict[str, str] = {
    "north-east": "North East",
    "north-west": "North West",
    "yorkshire-and-the-humber": "Yorkshire and The Humber",
    "east-midlands": "East Midlands",
    "west-midlands": "West Midlands",
    "east-of-england": "East of England",
    "london": "London",
    "south-east": "South East",
    "south-west": "South West",
    "wales": "Wales",
    "scotland": "Scotland",
    "northern-ireland": "Northern Ireland",
    "online": "Online",
    "uk-wide": "UK-wide",
}

PROFESSIONS: dict[str, str] = {
    "digital": "Digital",
    "data": "Data",
    "technology": "Technology",
    "user-research": "User research",
    "service-design": "Service design",
    "content-design": "Content design",
    "interaction-design": "Interaction design",
    "product-and-delivery": "Product and delivery",
    "policy": "Policy",
    "operational-delivery": "Operational delivery",
    "communications": "Communications",
    "commercial": "Commercial",
    "finance": "Finance",
    "people-and-hr": "People and HR",
    "leadership-and-transformation": "Leadership and transformation",
    "local-government": "Local government",
    "health-and-care": "Health and care",
    "ai": "AI",
    "open-government-and-civic-tech": "Open government and civic tech",
    "accessibility": "Accessibility",
}
