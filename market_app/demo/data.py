"""Demo data: two Seoul markets, their stalls and what they sell, and the demo accounts.

Plain data only; market_app.demo turns it into rows through the same services as the API.
Stalls with a `menu` sell exactly that; the others sell 5-10 items drawn from their category's
pool (PRODUCT_POOLS), with small per-stall price differences, so two fruit stalls look alike
but not identical. Prices are integer won, as everywhere.
"""

from dataclasses import dataclass

DEMO_PASSWORD = "demo1234!"
DEMO_EMAIL_DOMAIN = "example.com"
RANDOM_SEED = 20261125

# (name, unit, price in won) or (name, unit, price, description)
Item = tuple


@dataclass(frozen=True)
class DemoStall:
    name: str
    category: str
    description: str
    hours: str = "standard"  # a key of STALL_HOURS
    owner: str | None = None  # a key of MERCHANTS; None: the stall has an owner account of its own
    menu: tuple[Item, ...] = ()


def every_day(text: str, closed: tuple[str, ...] = ()) -> dict:
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return {day: (None if day in closed else text) for day in days}


STALL_HOURS = {
    "standard": every_day("09:00-20:00"),
    "early": every_day("07:00-19:00"),
    "closed_mon": every_day("09:00-20:00", closed=("mon",)),
    "early_closed_mon": every_day("06:30-18:00", closed=("mon",)),
    "late_food": every_day("09:00-23:00"),
    "late_food_closed_mon": every_day("10:00-23:00", closed=("mon",)),
    "lunch_dinner": every_day("10:30-15:00,17:00-21:00", closed=("mon",)),
    "fabric": every_day("08:30-18:00", closed=("sun",)),
}

MARKETS = (
    {
        "name": "망원시장", "slug": "mangwon", "region": "서울 마포구",
        "address": "서울특별시 마포구 포은로8길 14 (망원동)", "lat": 37.5559, "lng": 126.9063,
        "timezone": "Asia/Seoul", "commission_bps": 300, "hours": every_day("09:00-21:00"),
        "map_width": 600, "map_height": 200,
    },
    {
        "name": "광장시장", "slug": "gwangjang", "region": "서울 종로구",
        "address": "서울특별시 종로구 창경궁로 88 (예지동)", "lat": 37.5701, "lng": 126.9996,
        "timezone": "Asia/Seoul", "commission_bps": 250, "hours": every_day("09:00-23:00"),
        "map_width": 400, "map_height": 400,
    },
)

# Each market's staff: (role, local part of the email, name).
MARKET_STAFF = {
    "mangwon": (("admin", "mangwon-admin", "망원시장 상인회"),
                ("courier", "mangwon-courier", "망원 배송기사 정대호")),
    "gwangjang": (("admin", "gwangjang-admin", "광장시장 상인회"),
                  ("courier", "gwangjang-courier", "광장 배송기사 윤성민")),
}

PLATFORM_ADMIN = ("admin", "플랫폼 운영자")

# Merchants who own several stalls; their logins are printed. Key -> (local part, name).
MERCHANTS = {
    "kim": ("merchant-kim", "김정숙"),
    "park": ("merchant-park", "박영호"),
    "lee": ("merchant-lee", "이순자"),
    "choi": ("merchant-choi", "최만수"),
}

SHOPPERS = (("shopper1", "한지민"), ("shopper2", "오세훈"), ("shopper3", "서은비"))

# Owners of the other stalls get generated names from these.
SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN_NAMES = ("영희", "철수", "미경", "정호", "순자", "명수", "혜숙", "동훈", "말순", "상철", "옥자", "재현",
               "금순", "병철", "은주", "성수", "복희", "태식", "경자", "광수")

PRODUCT_POOLS: dict[str, tuple[Item, ...]] = {
    "produce": (
        ("배추", "1포기", 4000, "속이 꽉 찬 해남 배추"), ("무", "1개", 2500), ("대파", "한 단", 3000),
        ("양파", "3kg 한 망", 6000), ("감자", "1kg", 4000, "강원도 수미감자"), ("고구마", "1kg", 5000, "해남 꿀고구마"),
        ("애호박", "1개", 1500), ("오이", "3개", 2000), ("깻잎", "한 묶음 (30장)", 1500), ("상추", "200g", 2000),
        ("시금치", "한 단", 3000), ("청양고추", "한 봉지 (200g)", 2000), ("깐마늘", "500g", 6000, "의성 마늘"),
        ("콩나물", "한 봉지 (300g)", 1000), ("느타리버섯", "한 팩 (400g)", 3000), ("당근", "1kg", 3500),
        ("계란 (특란)", "한 판 (30구)", 8000),
    ),
    "fruit": (
        ("사과 (부사)", "5개 한 봉지", 10000, "청송 부사"), ("배 (신고)", "3개", 12000), ("감귤", "2kg", 12000),
        ("딸기", "500g 한 팩", 9000, "논산 설향"), ("바나나", "한 송이", 4000), ("참외", "3개 한 봉지", 10000),
        ("토마토", "1kg", 5000), ("방울토마토", "500g 한 팩", 5000), ("샤인머스캣", "한 송이 (700g)", 15000),
        ("수박", "1통 (7kg)", 22000), ("복숭아", "6개 한 박스", 15000), ("단감", "5개 한 봉지", 8000),
        ("키위", "10개", 6000),
    ),
    "seafood": (
        ("고등어 (국산)", "1마리", 4000, "손질해 드립니다"), ("생물 갈치 (대)", "1마리", 18000),
        ("오징어", "2마리", 12000), ("동태 (손질)", "1마리", 6000), ("바지락", "1kg", 7000),
        ("생굴", "한 봉지 (300g)", 8000),
        ("대하", "500g", 18000), ("활전복", "5미", 20000), ("꽁치", "3마리", 5000), ("광어회", "1인분", 25000),
        ("영광굴비", "10미 한 두름", 30000), ("낙지", "1마리", 12000),
    ),
    "meat": (
        ("삼겹살", "1근 (600g)", 16000), ("목살", "1근 (600g)", 15000), ("돼지 앞다리살", "1근 (600g)", 9000),
        ("돼지갈비", "1kg", 18000, "양념해 드립니다"), ("한우 불고기", "300g", 15000), ("한우 국거리", "300g", 14000),
        ("한우 등심 1등급", "300g", 36000), ("장조림용 홍두깨", "500g", 14000), ("돼지고기 다짐육", "500g", 7000),
        ("대패삼겹살", "1kg", 17000), ("돼지 등뼈 (감자탕용)", "2kg", 12000),
    ),
    "side_dishes": (
        ("멸치볶음", "200g", 5000), ("진미채볶음", "200g", 6000), ("콩자반", "200g", 4000), ("장조림", "300g", 8000),
        ("시금치나물", "200g", 3000), ("도라지무침", "200g", 5000), ("계란말이", "1줄", 5000),
        ("깻잎장아찌", "200g", 4000), ("어묵볶음", "300g", 4000), ("잡채", "400g", 7000),
        ("오징어젓", "200g", 6000), ("모둠전", "한 팩", 10000),
    ),
    "kimchi": (
        ("포기김치", "1kg", 12000, "국산 배추·고춧가루"), ("포기김치", "3kg", 33000), ("깍두기", "1kg", 10000),
        ("총각김치", "1kg", 12000), ("열무김치", "1kg", 9000), ("파김치", "500g", 8000), ("갓김치", "1kg", 13000),
        ("백김치", "1kg", 11000), ("오이소박이", "500g", 8000), ("동치미", "1kg", 7000), ("묵은지", "1kg", 14000),
    ),
    "rice_cakes": (
        ("가래떡", "1kg", 6000), ("떡국떡", "1kg", 7000), ("꿀떡", "한 팩", 3000), ("인절미", "한 팩", 4000),
        ("백설기", "1개", 2500), ("송편", "500g", 7000), ("시루떡", "한 팩", 4000), ("절편", "한 팩", 3500),
        ("약밥", "1개", 3000), ("쑥떡", "한 팩", 4000), ("무지개떡", "한 팩", 3500), ("떡볶이떡", "1kg", 5000),
    ),
    "dry_goods": (
        ("국물용 멸치", "1kg", 22000, "남해 죽방 멸치"), ("볶음용 잔멸치", "500g", 15000),
        ("마른 오징어", "5마리", 25000), ("황태채", "300g", 12000), ("재래김", "100장 (1톳)", 15000),
        ("자른 미역", "200g", 5000),
        ("다시마", "300g", 6000), ("건새우", "200g", 9000), ("쥐포", "10장", 10000), ("북어포", "1마리", 5000),
        ("태양초 건고추", "1근 (600g)", 18000), ("고춧가루", "1근 (600g)", 25000),
    ),
    "grains": (
        ("햅쌀 (경기미)", "10kg", 33000), ("찹쌀", "4kg", 20000), ("현미", "4kg", 15000), ("흑미", "1kg", 8000),
        ("귀리", "1kg", 9000), ("서리태", "1kg", 14000), ("메주콩 (백태)", "1kg", 9000), ("10곡 혼합잡곡", "1kg", 9000),
        ("보리쌀", "1kg", 5000), ("찰수수", "1kg", 10000), ("들깨", "1kg", 18000), ("참깨", "500g", 15000),
    ),
    "bakery": (
        ("단팥빵", "1개", 2000), ("소보로빵", "1개", 2000), ("크림빵", "1개", 2500), ("우유식빵", "한 봉지", 4500),
        ("옛날 카스테라", "1개", 6000), ("꽈배기", "3개", 2000), ("찹쌀도넛", "3개", 2000), ("모카빵", "1개", 5000),
        ("야채고로케", "1개", 2000), ("마늘바게트", "한 봉지", 5000), ("생크림 케이크", "1호", 22000),
    ),
    "health": (
        ("6년근 홍삼 진액", "30포", 45000), ("흑염소 진액", "30포", 60000), ("양배추즙", "30포", 25000),
        ("배도라지즙", "30포", 30000), ("금산 수삼 (6년근)", "750g (1채)", 65000), ("건대추", "500g", 10000),
        ("생강청", "500g", 12000), ("아카시아꿀", "1kg", 28000), ("늙은호박즙", "30포", 25000),
        ("오미자청", "500ml", 15000),
    ),
    "housewares": (
        ("스테인리스 냄비 (20cm)", "1개", 25000), ("양은냄비 (라면용)", "1개", 8000), ("뚝배기 (중)", "1개", 7000),
        ("대나무 채반", "1개", 6000), ("고무장갑", "3켤레", 4000), ("원목 도마", "1개", 18000),
        ("김장용 대야 (60cm)", "1개", 12000), ("천연 수세미", "10개 한 묶음", 3000), ("석쇠", "1개", 9000),
        ("사기 밥공기", "5개 세트", 15000),
    ),
    "flowers": (
        ("장미", "10송이 한 다발", 15000), ("안개꽃", "한 단", 10000), ("카네이션 꽃바구니", "1개", 30000),
        ("다육이 화분 (소)", "1개", 5000), ("스투키 화분 (중)", "1개", 25000), ("몬스테라 화분 (중)", "1개", 30000),
        ("프리지아", "한 단", 8000), ("튤립", "5송이", 15000), ("해바라기", "3송이", 12000),
        ("꽃바구니 (중)", "1개", 45000),
    ),
}

# Landline prefixes of each market's neighbourhood; a quarter of the stalls give a mobile number instead.
PHONE_PREFIXES = {"mangwon": "02-33", "gwangjang": "02-22"}
AISLES = "ABCD"
SLOTS_PER_AISLE = 12
