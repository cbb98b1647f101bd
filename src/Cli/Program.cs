using Neuromorphic.Cli;

return Commands.Execute(args);

namespace Neuromorphic.Cli
{
    /// <summary>The `neuromorphic` command line: one file per command (<c>*Command.cs</c>), shared options and helpers in
    /// <see cref="CliCommon"/>. Names and options are a contract: scripts depend on them.</summary>
    public static class Commands
    {
        public static int Execute(string[] args)
        {
            CommandLine = args;
            Clock = System.Diagnostics.Stopwatch.StartNew();
            return Invoke(Root(), args);
        }

        /// <summary>The arguments of the command being run and the time since it started (the run report's provenance).</summary>
        public static string[] CommandLine { get; private set; } = [];
        public static System.Diagnostics.Stopwatch Clock { get; private set; } = new();

        /// <summary>The tool's version and the commit it was built from ("1.0.0+SHA", the SDK's informational version).</summary>
        public static string Version => typeof(Commands).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute),
            false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "unknown";

        /// <summary>Every command, as `neuromorphic` parses them.</summary>
        public static RootCommand Root()
        {
            var root = new RootCommand("neuromorphic: event-driven simulation of spiking networks with on-line learning (eRBP, "
                + "S2M) on the CPU and on GPUs");
            root.Subcommands.Add(DevicesCommand.Create());
            root.Subcommands.Add(DataCommand.Create());
            root.Subcommands.Add(RunCommand.Create());
            root.Subcommands.Add(BenchCommand.Create());
            root.Subcommands.Add(TrainCommand.Create());
            root.Subcommands.Add(TestCommand.Create());
            root.Subcommands.Add(S2mActivationCommand.Create(JsonOpt));
            root.Subcommands.Add(SweepCommand.Create());
            root.Subcommands.Add(ExportCommand.Export());
            root.Subcommands.Add(ExportCommand.Import());
            root.Subcommands.Add(PlotCommand.Create(JsonOpt));
            root.Subcommands.Add(ReportPage.Command(JsonOpt));
            root.Subcommands.Add(PresetsCommand.Create());
            root.Subcommands.Add(StudyCommand.Create(JsonOpt, () => root));
            return root;
        }
    }
}
