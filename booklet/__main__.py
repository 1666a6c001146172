from booklet.cli.entry import main

main()
