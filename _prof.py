import cProfile, pstats, sys, uuid, random, time
from bench.search import *
from desktop.store import everywhere
path = build(cache_folder(10000, 50000, 500, 7), 10000, 50000, 500, 7)
store = Store.open(path, server_url=SERVER, user_id=uuid.UUID(int=7, version=4), role=Role.AGENT)
words = vocabulary(random.Random(7))
text = sys.argv[1] if len(sys.argv) > 1 else words[-5] + " "
with store.read() as conn:
    page = everywhere.search_page_in(conn, text)
    print(len(page.results))
    t=time.perf_counter()
    for _ in range(10): everywhere.search_page_in(conn, text)
    print((time.perf_counter()-t)/10*1000, "ms")
    cProfile.run("for _ in range(10): everywhere.search_page_in(conn, text)", "/tmp/s/p.out")
pstats.Stats("/tmp/s/p.out").sort_stats("cumulative").print_stats(25)
