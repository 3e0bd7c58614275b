from contextd.cli.main import main

main()
