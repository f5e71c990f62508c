print(open("hello.txt").readline())
