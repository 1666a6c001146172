from booklet.cli.main import main

main()
