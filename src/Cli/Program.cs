using Neuromorphic.Cli;

return Commands.Execute(args);

namespace Neuromorphic.Cli
{
    /// <summary>The `neuromorphic` command line: one file per command (<c>*Command.cs</c>), shared options and helpers in
    /// <see cref="CliCommon"/>. Names and options are a contract: scripts depend on them.</summary>
    public static class Commands
    {
        public static int Execute(string[] args) => Invoke(Root(), args);

        /// <summary>Every command, as `neuromorphic` parses them.</summary>
        public static RootCommand Root()
        {
            var root = new RootCommand("neuromorphic: event-driven simulation of spiking networks with on-line learning (eRBP, S2M) on the CPU and on GPUs");
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
