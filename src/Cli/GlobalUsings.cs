// What every command file reads: the parser, the simulator's namespaces, and the shared options and helpers.
global using System.CommandLine;
global using Neuromorphic.Simulator;
global using Neuromorphic.Simulator.Analysis;
global using Neuromorphic.Simulator.Data;
global using Neuromorphic.Simulator.Engine;
global using Neuromorphic.Simulator.Files;
global using Neuromorphic.Simulator.Training;
global using static Neuromorphic.Cli.CliCommon;
