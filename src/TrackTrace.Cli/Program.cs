Console.WriteLine("tracktrace");
