from bench.search import build, cache_folder
print(build(cache_folder(100000, 500000, 5000, 7), 100000, 500000, 5000, 7))
