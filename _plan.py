import sys, uuid, random, time, sqlite3
from bench.search import *
from desktop.store import everywhere
from desktop.store.everywhere import _statement, _page
from ticketing.search_syntax import parse as ps
path = build(cache_folder(10000, 50000, 500, 7), 10000, 50000, 500, 7)
store = Store.open(path, server_url=SERVER, user_id=uuid.UUID(int=7, version=4), role=Role.AGENT)
words = vocabulary(random.Random(7))
text = sys.argv[1] if len(sys.argv) > 1 else words[-5] + " "
with store.read() as conn:
    parsed = ps(text, {})
    w = search.parse(parsed.text)
    st = _page(_statement(conn, parsed, w, SearchFilters()), None, 51)
    c = st.compile(conn, compile_kwargs={"literal_binds": True})
    sql = str(c)
    print(sql)
raw = sqlite3.connect(path)
for row in raw.execute("EXPLAIN QUERY PLAN " + sql): print(row)
for _ in range(3):
    t=time.perf_counter(); n=len(raw.execute(sql).fetchall()); print(n, (time.perf_counter()-t)*1000, "ms")
