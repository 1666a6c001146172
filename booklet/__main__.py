from booklet.cli import main

main()
